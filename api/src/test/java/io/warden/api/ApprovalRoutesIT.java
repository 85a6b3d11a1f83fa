package io.warden.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.approval.Approval;
import io.warden.core.approval.ApprovalRequest;
import io.warden.core.approval.ApprovalService;
import io.warden.core.audit.AuditLog;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.store.StateStore;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/v1/approvals} over HTTP, on the real API server and the real approval service. */
class ApprovalRoutesIT {
  @TempDir Path dir;
  private StateStore approvalState;
  private AuditLog approvalAudit;
  private ApprovalService approvals;
  private ApiFixture api;
  private String approverToken;
  private String viewerToken;
  private String agentCredential;

  @BeforeEach
  void start() throws Exception {
    approvalState = StateStore.open(dir.resolve("approvals.mv"));
    approvalAudit = AuditLog.open(dir.resolve("approvals-audit.log"));
    approvals = ApprovalService.create(approvalState, approvalAudit, Clock.systemUTC(), Duration.ofHours(1));
    api = new ApiFixture(dir.resolve("api"), Map.of(), List.of(new ApprovalRoutes(approvals)));
    approverToken = api.identity.createUser(api.admin, "alice", Role.APPROVER, Set.of()).secret();
    viewerToken = api.identity.createUser(api.admin, "vic", Role.VIEWER, Set.of()).secret();
    agentCredential = api.identity.issueCredential(api.admin, ApiFixture.AGENT).secret();
  }

  @AfterEach
  void stop() throws Exception {
    api.close();
    approvals.close();
    approvalAudit.close();
    approvalState.close();
  }

  private Approval hold() {
    return approvals.hold(new ApprovalRequest(ApiFixture.AGENT, "mcp://gateway/pay-invoice",
        "{\"supplier\":\"acme\",\"amount_usd\":5000}", new BigDecimal("5000"), "0af7651916cd43dd8448eb211c80319c",
        "pay supplier", List.of("action value 5000 USD is over 1000 USD"), ""));
  }

  @Test
  void approve_byApprover_isIdempotent_andDenyAfterwardsConflicts() throws Exception {
    Approval held = hold();
    var listed = api.get(viewerToken, "/api/v1/approvals?status=pending&agent=" + ApiFixture.AGENT);
    assertThat(listed.status()).isEqualTo(200);
    assertThat(listed.body().path("approvals").get(0).path("id").asText()).isEqualTo(held.id());
    assertThat(listed.body().path("approvals").get(0).path("arguments").path("amount_usd").asInt()).isEqualTo(5000);

    var approved = api.post(approverToken, "/api/v1/approvals/" + held.id() + "/approve", "{\"reason\":\"checked\"}");
    assertThat(approved.status()).isEqualTo(200);
    assertThat(approved.body().path("status").asText()).isEqualTo("approved");
    assertThat(approved.body().path("decided_by").asText()).isEqualTo("user:alice");

    var again = api.post(approverToken, "/api/v1/approvals/" + held.id() + "/approve", "{\"reason\":\"twice\"}");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.body().path("reason").asText()).isEqualTo("checked");
    assertThat(approvalAudit.list(0, 100, "approval.approve")).hasSize(1);

    var deny = api.post(approverToken, "/api/v1/approvals/" + held.id() + "/deny", "{\"reason\":\"no\"}");
    assertThat(deny.status()).isEqualTo(409);
    assertThat(deny.body().path("code").asText()).isEqualTo("conflict");
    assertThat(api.get(viewerToken, "/api/v1/approvals/" + held.id()).body().path("status").asText())
        .isEqualTo("approved");
  }

  @Test
  void approve_byViewerOrAgent_isForbidden_andLeavesItPending() throws Exception {
    Approval held = hold();
    var byViewer = api.post(viewerToken, "/api/v1/approvals/" + held.id() + "/approve", "{}");
    assertThat(byViewer.status()).isEqualTo(403);
    assertThat(byViewer.body().path("message").asText()).contains("needs the approver role");
    var byAgent = api.post(agentCredential, "/api/v1/approvals/" + held.id() + "/approve", "{}");
    assertThat(byAgent.status()).isEqualTo(403);
    assertThat(byAgent.body().path("message").asText()).contains("agent:" + ApiFixture.AGENT + " may not approve");
    assertThat(approvals.get(held.id()).orElseThrow().status()).isEqualTo(Approval.Status.PENDING);
  }

  @Test
  void badInput_isAClearError() throws Exception {
    var badStatus = api.get(viewerToken, "/api/v1/approvals?status=waiting");
    assertThat(badStatus.status()).isEqualTo(400);
    assertThat(badStatus.body().path("message").asText()).contains("unknown approval status 'waiting'");
    assertThat(api.get(viewerToken, "/api/v1/approvals/apr_nope").status()).isEqualTo(404);
    assertThat(api.post(approverToken, "/api/v1/approvals/apr_nope/deny", "{}").status()).isEqualTo(404);
    assertThat(api.post(approverToken, "/api/v1/approvals/" + hold().id() + "/deny", null).status()).isEqualTo(400);
  }
}
