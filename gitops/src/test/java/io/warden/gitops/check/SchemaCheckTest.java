package io.warden.gitops.check;

import static io.warden.gitops.check.Changes.agent;
import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.Problem;
import io.warden.core.change.ChangeCheck;
import io.warden.core.change.CheckResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchemaCheckTest extends ChangeCheckContractTest {

  @Override
  protected ChangeCheck newCheck() {
    return SchemaCheck.create();
  }

  @Override
  protected String expectedName() {
    return "schema";
  }

  private final SchemaCheck check = SchemaCheck.create();

  @Test
  void run_validDescriptor_passes() {
    CheckResult result = check.run(Changes.onMain(Map.of()).write("agents/a.yaml", agent("a", "")).build());
    assertThat(result.passed()).isTrue();
    assertThat(result.summary()).isEqualTo("1 agent descriptor valid");
  }

  @Test
  void run_negativeBudget_parserProblemWithLineAndColumn() {
    String yaml = agent("a", "budgets:\n  usd_per_day: -5\n");
    CheckResult result = check.run(Changes.onMain(Map.of()).write("agents/a.yaml", yaml).build());
    assertThat(result.status()).isEqualTo(CheckResult.Status.FAILED);
    assertThat(result.problems()).singleElement().satisfies(p -> {
      assertThat(p.file()).isEqualTo("agents/a.yaml");
      assertThat(p.line()).isEqualTo(12);
      assertThat(p.column()).isGreaterThan(0);
      assertThat(p.field()).isEqualTo("spec.budgets.usd_per_day");
    });
  }

  @Test
  void run_malformedYaml_located() {
    CheckResult result = check.run(Changes.onMain(Map.of()).write("agents/a.yaml", "apiVersion: [\n").build());
    assertThat(result.passed()).isFalse();
    assertThat(result.problems()).allSatisfy(p -> assertThat(p.file()).isEqualTo("agents/a.yaml"));
    assertThat(result.problems()).anySatisfy(p -> assertThat(p.line()).isPositive());
  }

  @Test
  void run_nameDiffersFromFile_pointsAtMetadataName() {
    CheckResult result = check.run(Changes.onMain(Map.of()).write("agents/a.yaml", agent("b", "")).build());
    assertThat(result.problems()).singleElement().isEqualTo(new Problem("agents/a.yaml", 4, 3, "metadata.name",
        "agent 'b' must be declared in agents/b.yaml, not agents/a.yaml: rename the file or set metadata.name to 'a'"));
  }

  @Test
  void run_otherFilesUnderAgents_refused() {
    CheckResult result = check.run(Changes.onMain(Map.of())
        .write("agents/a.yml", agent("a", "")).write("agents/notes.txt", "x").write("agents/team/b.yaml", agent("b", ""))
        .build());
    assertThat(result.problems()).extracting(Problem::toString).containsExactly(
        "agents/a.yml: agent descriptors use the .yaml extension: rename to agents/a.yaml",
        "agents/notes.txt: only agent descriptors named agents/<name>.yaml belong under agents/ (no other files, no subdirectories)",
        "agents/team/b.yaml: only agent descriptors named agents/<name>.yaml belong under agents/ (no other files, no subdirectories)");
  }

  @Test
  void run_oversizedDescriptor_refusedUnparsed() {
    byte[] huge = new byte[(1 << 20) + 10];
    java.util.Arrays.fill(huge, (byte) '#');
    CheckResult result = check.run(Changes.onMain(Map.of()).write("agents/a.yaml", huge).build());
    assertThat(result.problems()).singleElement().asString().startsWith("agents/a.yaml: file is 1048586 bytes");
  }

  @Test
  void run_deletedAndUntouchedFiles_notChecked() {
    CheckResult result = check.run(Changes.onMain(Map.of("agents/old.yaml", "broken: [", "agents/keep.yaml", "broken: ["))
        .delete("agents/old.yaml").write("policies/x.rego", "package x").build());
    assertThat(result.passed()).isTrue();
    assertThat(result.summary()).isEqualTo("no agent descriptors changed");
  }
}
