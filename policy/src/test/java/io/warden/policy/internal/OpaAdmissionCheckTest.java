package io.warden.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import io.warden.core.Problem;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.change.RequiredApproval;
import io.warden.core.identity.Role;
import io.warden.policy.api.AdmissionResultV1.RequiredApprovalV1;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpaAdmissionCheckTest {

  @Test
  void merge_sameRoleAndTeam_keepsLargestCountAndJoinsReasons() {
    List<RequiredApproval> merged = OpaAdmissionCheck.merge(List.of(
        new RequiredApprovalV1("approver", "platform", 1, "budget raise: agent a usd_per_day 40 -> 80"),
        new RequiredApprovalV1("approver", "platform", 2, "governance files changed: tools/allowed.yaml"),
        new RequiredApprovalV1("admin", null, null, "")));

    assertThat(merged).containsExactly(
        new RequiredApproval(Role.ADMIN, "", 1, ""),
        new RequiredApproval(Role.APPROVER, "platform", 2,
            "budget raise: agent a usd_per_day 40 -> 80; governance files changed: tools/allowed.yaml"));
  }

  @Test
  void merge_unknownRole_namesTheValidOnes() {
    assertThatThrownBy(() -> OpaAdmissionCheck.merge(List.of(new RequiredApprovalV1("boss", "x", 1, "r"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown role 'boss'")
        .hasMessageContaining("approver");
  }

  @Test
  void problem_objectWithFileAndField_isLocatedInTheProposedFile() {
    RepoSnapshot head = RepoSnapshot.of("h", Map.of("agents/a.yaml",
        "metadata:\n  name: a\nspec:\n  tools:\n    - x\n    - y\n".getBytes(StandardCharsets.UTF_8)));
    var deny = JsonNodeFactory.instance.objectNode()
        .put("msg", "agent a: tool y is not on the allow-list")
        .put("file", "agents/a.yaml")
        .put("field", "spec.tools[1]");

    Problem p = OpaAdmissionCheck.problem(deny, head, "(change)");

    assertThat(p).isEqualTo(new Problem("agents/a.yaml", 6, 7, "spec.tools[1]", "agent a: tool y is not on the allow-list"));
  }

  @Test
  void problem_plainString_goesToTheDefaultFile() {
    Problem p = OpaAdmissionCheck.problem(new TextNode("no friday deploys"), RepoSnapshot.empty(), "agents/a.yaml");

    assertThat(p.toString()).isEqualTo("agents/a.yaml: no friday deploys");
  }

  @Test
  void regoFiles_takesOnlyRegoUnderPolicies() {
    RepoSnapshot tree = RepoSnapshot.of("h", Map.of(
        "policies/a.rego", new byte[] {'p'},
        "policies/a_test.rego", new byte[] {'t'},
        "policies/notes.md", new byte[] {'n'},
        "agents/a.yaml", new byte[] {'y'}));

    assertThat(OpaAdmissionCheck.regoFiles(tree)).containsOnlyKeys("policies/a.rego", "policies/a_test.rego");
  }
}
