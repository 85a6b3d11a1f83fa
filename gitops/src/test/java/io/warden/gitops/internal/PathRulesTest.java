package io.warden.gitops.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PathRulesTest {

  @ParameterizedTest
  @ValueSource(strings = {"agents/x.yaml", "policies/admission.rego", "policies/lib/util.rego", "tools/sap.yaml",
      "pricing.yaml", "models.yaml", "README.md", "tools/README.md", "mcp/erp.yaml"})
  void problem_layoutPaths_accepted(String path) {
    assertThat(PathRules.problem(path)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "../etc/passwd|contains '..'",
      "agents/../../x.yaml|contains '..'",
      "agents/./x.yaml|contains '.'",
      "/etc/passwd|is absolute",
      "C:/agents/x.yaml|is absolute",
      "agents\\x.yaml|backslash",
      "agents/.git/config|.git component",
      "agents/.GIT/config|.git component",
      ".git/hooks/pre-receive|.git component",
      "agents//x.yaml|empty segment",
      "agents/|empty segment",
      "src/Main.java|outside the repository layout",
      "agents|outside the repository layout",
      "pricing.yml|outside the repository layout"})
  void problem_badPaths_refusedWithReason(String path, String expected) {
    assertThat(PathRules.problem(path)).hasValueSatisfying(m -> assertThat(m).contains(expected).contains("path"));
  }

  @Test
  void problem_emptyOrControlCharacters_refused() {
    assertThat(PathRules.problem("")).hasValue("path must not be empty");
    assertThat(PathRules.problem(null)).hasValue("path must not be empty");
    assertThat(PathRules.problem("agents/a\nb.yaml")).hasValueSatisfying(m -> assertThat(m).contains("control character").contains("\\x0a"));
    assertThat(PathRules.problem("agents/" + "a".repeat(600))).hasValueSatisfying(m -> assertThat(m).contains("at most 512"));
  }

  @Test
  void sizeProblem_overOneMebibyte_refused() {
    assertThat(PathRules.sizeProblem(1 << 20)).isEmpty();
    assertThat(PathRules.sizeProblem((1 << 20) + 1)).hasValueSatisfying(m ->
        assertThat(m).contains("1048577 bytes").contains("1 MiB"));
  }

  @Test
  void isAgentDescriptor_onlyYamlDirectlyUnderAgents() {
    assertThat(PathRules.isAgentDescriptor("agents/x.yaml")).isTrue();
    assertThat(PathRules.isAgentDescriptor("agents/x.yml")).isFalse();
    assertThat(PathRules.isAgentDescriptor("agents/sub/x.yaml")).isFalse();
    assertThat(PathRules.isAgentDescriptor("agents/.yaml")).isFalse();
    assertThat(PathRules.agentNameOf("agents/x.yaml")).isEqualTo("x");
  }
}
