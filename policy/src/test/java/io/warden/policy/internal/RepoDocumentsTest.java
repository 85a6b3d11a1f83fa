package io.warden.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.json.JsonMapper;
import io.warden.core.change.RepoSnapshot;
import io.warden.policy.PolicyFixtures;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RepoDocumentsTest {

  private static final String AGENT = PolicyFixtures.AGENT;

  private final RepoDocuments docs = new RepoDocuments(JsonMapper.builder().build());

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void locate_mappingKey_givesLineAndColumnOfTheKey() {
    assertThat(RepoDocuments.locate(bytes(AGENT), "spec.model.pinned_revision")).hasValueSatisfying(at ->
        assertThat(at).containsExactly(10, 5));
    assertThat(RepoDocuments.locate(bytes(AGENT), "spec.budgets.usd_per_day")).hasValueSatisfying(at ->
        assertThat(at).containsExactly(20, 5));
  }

  @Test
  void locate_listIndex_givesTheElement() {
    assertThat(RepoDocuments.locate(bytes(AGENT), "spec.tools[1]")).hasValueSatisfying(at ->
        assertThat(at).containsExactly(16, 7));
  }

  @Test
  void locate_missingLeaf_givesDeepestExistingParent() {
    assertThat(RepoDocuments.locate(bytes(AGENT), "spec.shadow.candidate")).hasValueSatisfying(at ->
        assertThat(at).containsExactly(6, 1));
    assertThat(RepoDocuments.locate(bytes(AGENT), "spec.budgets.nope")).hasValueSatisfying(at ->
        assertThat(at).containsExactly(18, 3));
  }

  @Test
  void locate_emptyOrUnrelatedDocument_isEmpty() {
    assertThat(RepoDocuments.locate(bytes(""), "a[0]")).isEmpty();
    assertThat(RepoDocuments.locate(bytes("- x\n"), "spec.tools")).isEmpty();
  }

  @Test
  void agent_validDescriptor_isJsonWithSchemaNames() {
    RepoDocuments.Agent a = docs.agent("agents/reconciliation-finance.yaml", bytes(AGENT));

    assertThat(a.ok()).isTrue();
    assertThat(a.name()).isEqualTo("reconciliation-finance");
    assertThat(a.descriptor().at("/spec/model/pinned_revision").asText()).isEqualTo("2026-02-14");
    assertThat(a.descriptor().at("/spec/budgets/usd_per_day").asInt()).isEqualTo(40);
    assertThat(a.descriptor().at("/spec/tools/1").asText()).isEqualTo("mcp://gateway/ledger-read");
  }

  @Test
  void agent_malformedYaml_hasLocatedProblem() {
    RepoDocuments.Agent a = docs.agent("agents/x.yaml", bytes("metadata: [\n"));

    assertThat(a.ok()).isFalse();
    assertThat(a.problems()).isNotEmpty();
    assertThat(a.problems().get(0).file()).isEqualTo("agents/x.yaml");
  }

  @Test
  void allowedTools_listsToolsAndLocatesBadEntries() {
    RepoSnapshot tree = RepoSnapshot.of("c1", Map.of(RepoDocuments.TOOLS_FILE,
        bytes("allowed:\n  - mcp://gateway/a\n  - 42\n  - mcp://gateway/b\n")));

    RepoDocuments.AllowList list = docs.allowedTools(tree);

    assertThat(list.tools()).containsExactly("mcp://gateway/a", "mcp://gateway/b");
    assertThat(list.problems()).singleElement().satisfies(p -> {
      assertThat(p.line()).isEqualTo(3);
      assertThat(p.field()).isEqualTo("allowed[1]");
      assertThat(p.message()).contains("expected a tool id string").contains("number");
    });
  }

  @Test
  void allowedTools_withoutAllowedList_isAProblem() {
    RepoSnapshot tree = RepoSnapshot.of("c1", Map.of(RepoDocuments.TOOLS_FILE, bytes("tools: []\n")));

    assertThat(docs.allowedTools(tree).problems()).singleElement()
        .satisfies(p -> assertThat(p.message()).contains("under 'allowed:'"));
  }

  @Test
  void allowedTools_absentFile_isEmptyWithoutProblems() {
    RepoDocuments.AllowList list = docs.allowedTools(RepoSnapshot.empty());

    assertThat(list.tools()).isEmpty();
    assertThat(list.problems()).isEmpty();
  }
}
