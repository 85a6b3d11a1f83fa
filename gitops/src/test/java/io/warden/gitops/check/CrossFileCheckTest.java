package io.warden.gitops.check;

import static io.warden.gitops.check.Changes.agent;
import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.Problem;
import io.warden.core.change.ChangeCheck;
import io.warden.core.change.CheckResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CrossFileCheckTest extends ChangeCheckContractTest {

  @Override
  protected ChangeCheck newCheck() {
    return CrossFileCheck.create();
  }

  @Override
  protected String expectedName() {
    return "cross-file";
  }

  private final CrossFileCheck check = CrossFileCheck.create();

  @Test
  void run_delegateExists_passes() {
    CheckResult result = check.run(Changes.onMain(Map.of("agents/b.yaml", agent("b", "")))
        .write("agents/a.yaml", agent("a", "delegates:\n  - b\n")).build());
    assertThat(result.passed()).isTrue();
    assertThat(result.summary()).isEqualTo("2 agents: names unique, every delegate exists");
  }

  @Test
  void run_unknownDelegate_locatedAtListItem() {
    CheckResult result = check.run(Changes.onMain(Map.of("agents/b.yaml", agent("b", "")))
        .write("agents/a.yaml", agent("a", "delegates:\n  - b\n  - ghost\n")).build());
    assertThat(result.problems()).singleElement().isEqualTo(new Problem("agents/a.yaml", 13, 7, "spec.delegates[1]",
        "delegates to 'ghost', but no agent has that name: add agents/ghost.yaml or remove it from spec.delegates"));
  }

  @Test
  void run_deletingAgentOthersDelegateTo_blamesTheDeletion() {
    CheckResult result = check.run(Changes.onMain(Map.of(
            "agents/a.yaml", agent("a", "delegates: [b]"), "agents/b.yaml", agent("b", "")))
        .delete("agents/b.yaml").build());
    assertThat(result.problems()).singleElement().satisfies(p -> {
      assertThat(p.file()).isEqualTo("agents/a.yaml");
      assertThat(p.line()).isEqualTo(11);
      assertThat(p.column()).isEqualTo(15);
      assertThat(p.message()).isEqualTo("delegates to 'b', which this change deletes (agents/b.yaml): remove the delegation or keep the agent");
    });
  }

  @Test
  void run_duplicateName_reportedOnTheMisnamedFile() {
    CheckResult result = check.run(Changes.onMain(Map.of("agents/a.yaml", agent("a", "")))
        .write("agents/copy.yaml", agent("a", "")).build());
    assertThat(result.problems()).singleElement().isEqualTo(new Problem("agents/copy.yaml", 4, 3, "metadata.name",
        "agent name 'a' is already declared in agents/a.yaml: each agent needs exactly one file"));
  }

  @Test
  void run_problemOnMainNotCausedByChange_notBlamed() {
    CheckResult result = check.run(Changes.onMain(Map.of("agents/a.yaml", agent("a", "delegates: [ghost]")))
        .write("agents/b.yaml", agent("b", "")).build());
    assertThat(result.passed()).isTrue();
  }

  @Test
  void run_unparsableDescriptor_countsByFileName() {
    CheckResult result = check.run(Changes.onMain(Map.of("agents/b.yaml", "not: [valid"))
        .write("agents/a.yaml", agent("a", "delegates: [b]")).build());
    assertThat(result.passed()).isTrue();
  }
}
