package io.warden.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OpaCliTest {

  @Test
  void packageProblems_wardenPackages_pass() {
    assertThat(OpaCli.packageProblems(Map.of(
        "policies/a.rego", "# comment\npackage warden.admission\n",
        "policies/b_test.rego", "package warden.admission_test\n",
        "policies/c.rego", "package warden\n"))).isEmpty();
  }

  @Test
  void packageProblems_outsideWarden_isLocatedAtThePackageName() {
    assertThat(OpaCli.packageProblems(Map.of("policies/x.rego", "# rules\n\npackage  acme.rules\n")))
        .singleElement().satisfies(p -> {
          assertThat(p.toString()).startsWith("policies/x.rego:3:10: package acme.rules is outside warden.*");
        });
  }

  @Test
  void packageProblems_wardenPrefixWithoutDot_isOutside() {
    assertThat(OpaCli.packageProblems(Map.of("policies/x.rego", "package wardenx\n"))).hasSize(1);
  }

  @Test
  void packageProblems_reservedMainPackage_isRefused() {
    assertThat(OpaCli.packageProblems(Map.of("policies/x.rego", "package warden.main.extra\n")))
        .singleElement().satisfies(p -> assertThat(p.message()).contains("is reserved"));
  }

  @Test
  void isRegoAndIsTest_classifyRepositoryPaths() {
    assertThat(OpaCli.isRego("policies/a.rego")).isTrue();
    assertThat(OpaCli.isRego("policies/sub/a.rego")).isTrue();
    assertThat(OpaCli.isRego("agents/a.rego")).isFalse();
    assertThat(OpaCli.isRego("policies/README.md")).isFalse();
    assertThat(OpaCli.isTest("policies/a_test.rego")).isTrue();
    assertThat(OpaCli.isTest("policies/a.rego")).isFalse();
  }
}
