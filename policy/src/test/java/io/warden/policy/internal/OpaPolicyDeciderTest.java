package io.warden.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.warden.core.policy.PolicyDecision;
import io.warden.core.policy.PolicyDecision.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpaPolicyDeciderTest {

  private final ObjectMapper json = JsonMapper.builder().build();

  private PolicyDecision map(String result) throws Exception {
    JsonNode node = result == null ? MissingNode.getInstance() : json.readTree(result);
    return OpaPolicyDecider.toDecision(json, node, "abc123");
  }

  @Test
  void toDecision_allow_carriesRevision() throws Exception {
    assertThat(map("{\"result\":\"allow\",\"reasons\":[]}")).isEqualTo(PolicyDecision.allow("abc123"));
  }

  @Test
  void toDecision_requireApproval_keepsReasons() throws Exception {
    assertThat(map("{\"result\":\"require_approval\",\"reasons\":[\"over 1000 USD\"]}"))
        .isEqualTo(new PolicyDecision(Outcome.REQUIRE_APPROVAL, List.of("over 1000 USD"), "abc123"));
  }

  @Test
  void toDecision_approverTeam_isCarriedOnApprovalAndAllow_neverOnDeny() throws Exception {
    assertThat(map("{\"result\":\"require_approval\",\"reasons\":[\"over\"],\"approver_team\":\"finance\"}"))
        .isEqualTo(new PolicyDecision(Outcome.REQUIRE_APPROVAL, List.of("over"), "abc123", "finance"));
    assertThat(map("{\"result\":\"allow\",\"reasons\":[],\"approver_team\":\"finance\"}").approverTeam())
        .isEqualTo("finance");
    assertThat(map("{\"result\":\"deny\",\"reasons\":[\"no\"],\"approver_team\":\"finance\"}").approverTeam())
        .isEmpty();
    assertThat(map("{\"result\":\"require_approval\",\"reasons\":[\"over\"]}").approverTeam()).isEmpty();
  }

  @Test
  void toDecision_denyWithoutReasons_saysDeniedByPolicy() throws Exception {
    assertThat(map("{\"result\":\"deny\"}").reasons()).containsExactly("denied by policy");
  }

  @Test
  void toDecision_undefined_isDenyNamingTheRule() throws Exception {
    PolicyDecision d = map(null);

    assertThat(d.outcome()).isEqualTo(Outcome.DENY);
    assertThat(d.reasons()).singleElement().asString()
        .contains("data.warden.runtime.decision is undefined at revision abc123");
  }

  @Test
  void toDecision_unknownResult_isDenyNamingTheValue() throws Exception {
    assertThat(map("{\"result\":\"maybe\"}").reasons()).singleElement().asString()
        .isEqualTo("runtime policy returned unknown result 'maybe': expected allow, deny or require_approval");
  }

  @Test
  void toDecision_notAnObject_isDeny() throws Exception {
    assertThat(map("true").outcome()).isEqualTo(Outcome.DENY);
    assertThat(map("{\"result\": 3, \"reasons\": \"x\"}").outcome()).isEqualTo(Outcome.DENY);
  }
}
