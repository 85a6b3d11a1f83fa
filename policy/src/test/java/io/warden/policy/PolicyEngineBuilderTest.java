package io.warden.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PolicyEngineBuilderTest {

  @Test
  void build_withoutDataDir_namesTheOption() {
    assertThatThrownBy(() -> PolicyEngine.builder().setOpaBinary(Path.of("opa")).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("dataDir is required");
  }

  @Test
  void build_withoutOpaBinary_saysWhyItIsNeededEvenWhenExternal() {
    assertThatThrownBy(() -> PolicyEngine.builder().setDataDir(Path.of("d")).setExternalOpa(URI.create("http://x:8181")).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("opaBinary is required");
  }

  @Test
  void sidecarPortAndExternalOpa_cannotBeCombined() {
    assertThatThrownBy(() -> PolicyEngine.builder().setSidecarPort(8181).setExternalOpa(URI.create("http://x:8181")))
        .hasMessage("externalOpa cannot be combined with sidecarPort (8181)");
    assertThatThrownBy(() -> PolicyEngine.builder().setExternalOpa(URI.create("http://x:8181")).setSidecarPort(8181))
        .hasMessage("sidecarPort cannot be combined with externalOpa (http://x:8181)");
  }

  @Test
  void options_badValues_nameTheOptionAndValue() {
    assertThatThrownBy(() -> PolicyEngine.builder().setSidecarPort(70000)).hasMessage("sidecarPort must be 0-65535, got 70000");
    assertThatThrownBy(() -> PolicyEngine.builder().setDecisionDeadline(Duration.ZERO)).hasMessage("decisionDeadline must be positive, got PT0S");
    assertThatThrownBy(() -> PolicyEngine.builder().setExternalOpa(URI.create("ftp://x"))).hasMessageContaining("http(s) URL, got 'ftp://x'");
    assertThatThrownBy(() -> PolicyEngine.builder().setRestartBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("restartBackoffMax (PT1S) must not be below restartBackoff (PT2S)");
  }

  @Test
  void seedFiles_holdPoliciesTestsAndAllowList() {
    var seed = PolicyEngine.seedFiles();

    assertThat(seed).containsKeys("policies/budget.rego", "policies/budget_test.rego", "policies/runtime.rego",
        "policies/runtime_test.rego", "policies/autonomy.rego", "policies/autonomy_test.rego", "tools/allowed.yaml");
    assertThat(seed.keySet()).allMatch(p -> p.startsWith("policies/") || p.startsWith("tools/"));
    assertThat(new String(seed.get("tools/allowed.yaml"), StandardCharsets.UTF_8))
        .contains("mcp://gateway/sap-invoice-read", "mcp://gateway/ledger-read", "mcp://gateway/email-draft");
  }
}
