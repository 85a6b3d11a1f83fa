package io.warden.executors.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.warden.core.WardenException;
import io.warden.core.approval.Approval;
import io.warden.core.audit.AuditEvent;
import io.warden.core.identity.AgentPrincipal;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.trace.SpanRecord;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The MCP gateway between the official SDK's client (the agent) and the SDK's server (the upstream). */
@Timeout(120)
class McpGatewayTest extends McpFixtureTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT = "00f067aa0ba902b7";


  private List<AuditEvent> toolAudit() {
    return f.audit.list(0, 1000, "tool.call");
  }

  /** A user with the approver role in {@code team}. */
  private UserPrincipal approverOf(String name, String team) {
    return (UserPrincipal) f.identity.authenticate(
        f.identity.createUser(f.admin, name, Role.APPROVER, Set.of(team)).secret());
  }

  private static McpSchema.CallToolRequest payment(String amount, Map<String, Object> meta) {
    return new McpSchema.CallToolRequest("pay-invoice",
        Map.of("supplier", "acme", "amount_usd", new BigDecimal(amount)), meta);
  }

  @Test
  void allowedCall_passes_isMeteredAuditedAndTraced() {
    try (McpSyncClient client = f.client()) {
      McpSchema.CallToolResult r = client.callTool(new McpSchema.CallToolRequest("ledger-read",
          Map.of("account", "4711"), Map.of("traceparent", "00-" + TRACE + "-" + PARENT + "-01")));

      assertThat(r.isError()).isFalse();
      assertThat(McpFixture.text(r)).isEqualTo("balance of 4711: 100.00 USD");
    }
    assertThat(f.upstream.reads).hasValue(1);
    var usage = f.ledger.usage(McpFixture.AGENT, "");
    assertThat(usage.callsLastHour()).isEqualTo(1);
    assertThat(usage.usdSpentToday()).isEqualByComparingTo("0.002");
    assertThat(toolAudit()).singleElement().satisfies(e -> {
      assertThat(e.actor()).isEqualTo("agent:" + McpFixture.AGENT);
      assertThat(e.target()).isEqualTo("tool/ledger-read");
      assertThat(e.details()).containsEntry("outcome", "executed").containsEntry("server", "erp")
          .containsEntry("cost_usd", "0.002");
    });
    SpanRecord span = f.spans.stream().filter(s -> s.toolName().equals("ledger-read")).findFirst().orElseThrow();
    assertThat(span.operation()).isEqualTo("execute_tool");
    assertThat(span.traceId()).isEqualTo(TRACE);
    assertThat(span.parentSpanId()).isEqualTo(PARENT);
    assertThat(span.costUsd()).isEqualByComparingTo("0.002");
    assertThat(span.text()).contains("4711").contains("100.00 USD");
  }

  @Test
  void toolNotInDescriptor_isHiddenAndRefused() {
    try (McpSyncClient client = f.client()) {
      assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name)
          .containsExactlyInAnyOrder("ledger-read", "pay-invoice");
      assertThat(client.listTools().tools()).filteredOn(t -> t.name().equals("pay-invoice")).singleElement()
          .satisfies(t -> assertThat(t.description()).isEqualTo("Pays a supplier invoice."));

      assertThatThrownBy(() -> client.callTool(new McpSchema.CallToolRequest("admin-reset", Map.of())))
          .isInstanceOf(McpError.class)
          .hasMessageContaining("mcp://gateway/admin-reset is not in its spec.tools");
      assertThatThrownBy(() -> client.callTool(new McpSchema.CallToolRequest("no-such-tool", Map.of())))
          .isInstanceOf(McpError.class)
          .hasMessageContaining("unknown tool 'no-such-tool'");
    }
    assertThat(f.upstream.reads).hasValue(0);
    assertThat(toolAudit()).extracting(e -> e.details().get("outcome")).containsExactly("refused", "refused");
  }

  @Test
  void argumentsAgainstTheUpstreamInputSchema_badOnesAreRefusedNamingTheField_beforeBudgetOrApproval() {
    try (McpSyncClient client = f.client()) {
      McpSchema.CallToolResult missing = client.callTool(new McpSchema.CallToolRequest("pay-invoice",
          Map.of("amount_usd", 5000)));
      McpSchema.CallToolResult wrongType = client.callTool(new McpSchema.CallToolRequest("pay-invoice",
          Map.of("supplier", "acme", "amount_usd", "lots")));
      McpSchema.CallToolResult extra = client.callTool(new McpSchema.CallToolRequest("pay-invoice",
          Map.of("supplier", "acme", "amount_usd", 10, "iban", "DE00")));

      assertThat(missing.isError()).isTrue();
      assertThat(McpFixture.text(missing)).isEqualTo("invalid arguments for tool 'pay-invoice' (its inputSchema):"
          + " /supplier: required, but missing. Fix the arguments and call again.");
      assertThat(wrongType.isError()).isTrue();
      assertThat(McpFixture.text(wrongType)).startsWith("invalid arguments for tool 'pay-invoice' (its inputSchema):"
          + " /amount_usd: ").contains("number expected");
      assertThat(extra.isError()).isTrue();
      assertThat(McpFixture.text(extra)).contains("/iban: not allowed: the tool's input schema accepts no such"
          + " property");
      assertThat(f.upstream.payments).hasValue(0);
      assertThat(f.approvals.list(null, null)).isEmpty();
      assertThat(f.ledger.usage(McpFixture.AGENT, "").callsLastHour()).isZero();
      assertThat(toolAudit()).extracting(e -> e.details().get("outcome"))
          .containsExactly("refused", "refused", "refused");
      assertThat(toolAudit()).extracting(e -> e.details().get("reason"))
          .allSatisfy(r -> assertThat(r.toString()).startsWith("invalid arguments for tool 'pay-invoice'"));

      McpSchema.CallToolResult valid = client.callTool(payment("10", Map.of()));
      assertThat(valid.isError()).isFalse();
      assertThat(McpFixture.text(valid)).isEqualTo("paid 10 USD to acme");
    }
    assertThat(f.upstream.payments).hasValue(1);
    assertThat(f.ledger.usage(McpFixture.AGENT, "").callsLastHour()).isEqualTo(1);
    assertThat(f.ledger.usage(McpFixture.AGENT, "").usdSpentToday()).isEqualByComparingTo("0.05");
  }

  @Test
  void upstreamSchemaChange_isPickedUpWhenTheDeclarationsChange() {
    try (McpSyncClient client = f.client()) {
      assertThat(client.callTool(payment("10", Map.of())).isError()).isFalse();
      f.upstream.redeclarePayInvoice("{\"type\":\"object\",\"properties\":{\"supplier\":{\"type\":\"string\"},"
          + "\"amount_usd\":{\"type\":\"number\"},\"po\":{\"type\":\"string\"}},\"required\":[\"supplier\",\"po\"]}");
      assertThat(client.callTool(payment("10", Map.of())).isError()).as("cached schema until the declarations change")
          .isFalse();

      f.gateway.setServers(McpFixture.declaration(f.upstream));
      McpSchema.CallToolResult r = client.callTool(payment("10", Map.of()));

      assertThat(r.isError()).isTrue();
      assertThat(McpFixture.text(r)).contains("/po: required, but missing");
    }
    assertThat(f.upstream.payments).hasValue(2);
  }

  @Test
  void largePayment_isHeld_approved_executedOnce_resultReachesWaitingClient() throws Exception {
    Queue<McpSchema.ProgressNotification> progress = new ConcurrentLinkedQueue<>();
    try (McpSyncClient client = f.client(f.credential, progress::add)) {
      CompletableFuture<McpSchema.CallToolResult> call = CompletableFuture.supplyAsync(
          () -> client.callTool(payment("5000", Map.of("progressToken", "pay-1"))), f.callers);

      Approval held = await().atMost(Duration.ofSeconds(20))
          .until(() -> f.approvals.list(Approval.Status.PENDING, McpFixture.AGENT), l -> l.size() == 1).getFirst();
      assertThat(held.tool()).isEqualTo("mcp://gateway/pay-invoice");
      assertThat(held.actionValueUsd()).isEqualByComparingTo("5000");
      assertThat(held.argumentsJson()).contains("\"supplier\":\"acme\"");
      await().atMost(Duration.ofSeconds(20)).until(() -> progress.size() >= 2);
      assertThat(progress.peek().message()).contains("held for approval " + held.id());
      assertThat(call).isNotDone();
      assertThat(f.upstream.payments).hasValue(0);

      // neither the agent nor a viewer may approve
      assertThatThrownBy(() -> f.approvals.approve(new AgentPrincipal(McpFixture.AGENT, "c", null), held.id(), "me"))
          .isInstanceOf(WardenException.class).hasMessageContaining("only a user with the approver role");
      assertThatThrownBy(() -> f.approvals.approve(f.viewer, held.id(), "me"))
          .isInstanceOf(WardenException.class).hasMessageContaining("needs the approver role");
      assertThat(f.upstream.payments).hasValue(0);

      f.approvals.approve(f.approver, held.id(), "invoice 88 checked");
      McpSchema.CallToolResult r = call.get(30, TimeUnit.SECONDS);
      assertThat(r.isError()).isFalse();
      assertThat(McpFixture.text(r)).isEqualTo("paid 5000 USD to acme");

      Approval again = f.approvals.approve(f.approver, held.id(), "twice");
      assertThat(again.status()).isEqualTo(Approval.Status.APPROVED);
      await().atMost(Duration.ofSeconds(10)).until(
          () -> f.approvals.get(held.id()).orElseThrow().execution() == Approval.Execution.DONE);
      assertThat(f.upstream.payments).hasValue(1);
      assertThat(f.upstream.paymentMeta.peek()).containsEntry("warden/idempotency_key", held.id());
      assertThat(f.approvals.get(held.id()).orElseThrow().resultJson()).contains("paid 5000 USD to acme");
    }
    assertThat(toolAudit()).extracting(e -> e.details().get("outcome")).containsExactly("held", "executed");
    assertThat(f.audit.list(0, 1000, "approval.")).extracting(AuditEvent::action).containsExactly(
        "approval.request", "approval.refused", "approval.refused", "approval.approve", "approval.execute",
        "approval.executed");
    assertThat(f.ledger.usage(McpFixture.AGENT, "").usdSpentToday()).isEqualByComparingTo("0.05");
  }

  @Test
  void heldPayment_policyNamesTeam_wrongTeamsApproverIsRefusedAndAudited_rightTeamsRunsItOnce() throws Exception {
    f.approverTeam = "finance";
    UserPrincipal fiona = approverOf("fiona", "finance");
    UserPrincipal oscar = approverOf("oscar", "ops");
    String id;
    try (McpSyncClient client = f.client()) {
      CompletableFuture<McpSchema.CallToolResult> call = CompletableFuture.supplyAsync(
          () -> client.callTool(payment("5000", Map.of())), f.callers);
      Approval held = await().atMost(Duration.ofSeconds(20))
          .until(() -> f.approvals.list(Approval.Status.PENDING, McpFixture.AGENT), l -> l.size() == 1).getFirst();
      assertThat(held.requiredTeam()).isEqualTo("finance");
      id = held.id();

      // alice (no team) and oscar (team ops) are approvers, but not of team finance
      for (var wrong : List.of(f.approver, oscar)) {
        assertThatThrownBy(() -> f.approvals.approve(wrong, held.id(), "looks fine"))
            .isInstanceOfSatisfying(WardenException.class, e -> {
              assertThat(e.code()).isEqualTo("forbidden");
              assertThat(e.getMessage()).contains("policy asks for an approver of team 'finance'")
                  .contains(wrong.name());
            });
      }
      assertThatThrownBy(() -> f.approvals.deny(oscar, held.id(), "no")).hasMessageContaining("team 'finance'");
      assertThat(f.approvals.get(held.id()).orElseThrow().status()).isEqualTo(Approval.Status.PENDING);
      assertThat(call).isNotDone();
      assertThat(f.upstream.payments).hasValue(0);

      f.approvals.approve(fiona, held.id(), "invoice 88 checked");
      McpSchema.CallToolResult r = call.get(30, TimeUnit.SECONDS);
      assertThat(r.isError()).isFalse();
      assertThat(McpFixture.text(r)).isEqualTo("paid 5000 USD to acme");
      assertThat(f.approvals.approve(fiona, held.id(), "twice").status()).isEqualTo(Approval.Status.APPROVED);
      await().atMost(Duration.ofSeconds(10)).until(
          () -> f.approvals.get(held.id()).orElseThrow().execution() == Approval.Execution.DONE);
    }
    assertThat(f.upstream.payments).hasValue(1);
    List<AuditEvent> refused = f.audit.list(0, 1000, "approval.refused");
    assertThat(refused).hasSize(3).allSatisfy(e -> {
      assertThat(e.target()).isEqualTo("approval/" + id);
      assertThat(e.details()).containsEntry("why", "not in team finance");
    });
    assertThat(refused).extracting(AuditEvent::actor).containsExactly("user:alice", "user:oscar", "user:oscar");
    assertThat(f.audit.list(0, 1000, "approval.approve")).singleElement()
        .satisfies(e -> assertThat(e.actor()).isEqualTo("user:fiona"));
  }

  @Test
  void missingActionValue_heldByTheGateway_stillNeedsThePolicysTeam() throws Exception {
    f.approverTeam = "finance";
    try (McpSyncClient client = f.client()) {
      CompletableFuture<McpSchema.CallToolResult> call = CompletableFuture.supplyAsync(
          () -> client.callTool(new McpSchema.CallToolRequest("pay-invoice", Map.of("supplier", "acme"))), f.callers);
      Approval held = await().atMost(Duration.ofSeconds(20))
          .until(() -> f.approvals.list(Approval.Status.PENDING, null), l -> l.size() == 1).getFirst();
      assertThat(held.requiredTeam()).isEqualTo("finance");
      assertThatThrownBy(() -> f.approvals.approve(f.approver, held.id(), "ok")).hasMessageContaining("team 'finance'");
      f.approvals.deny(approverOf("fiona", "finance"), held.id(), "no amount");
      assertThat(call.get(30, TimeUnit.SECONDS).isError()).isTrue();
    }
    assertThat(f.upstream.payments).hasValue(0);
  }

  @Test
  void heldPayment_denied_givesClearToolError_andNeverRuns() throws Exception {
    try (McpSyncClient client = f.client()) {
      CompletableFuture<McpSchema.CallToolResult> call = CompletableFuture.supplyAsync(
          () -> client.callTool(payment("5000", Map.of())), f.callers);
      Approval held = await().atMost(Duration.ofSeconds(20))
          .until(() -> f.approvals.list(Approval.Status.PENDING, null), l -> l.size() == 1).getFirst();

      f.approvals.deny(f.approver, held.id(), "supplier not verified");

      McpSchema.CallToolResult r = call.get(30, TimeUnit.SECONDS);
      assertThat(r.isError()).isTrue();
      assertThat(McpFixture.text(r)).isEqualTo("the call of mcp://gateway/pay-invoice was denied by user:alice: supplier not"
          + " verified (approval " + held.id() + ")");
    }
    assertThat(f.upstream.payments).hasValue(0);
    assertThat(toolAudit()).extracting(e -> e.details().get("outcome")).containsExactly("held", "denied_by_approver");
  }

  @Test
  void heldPayment_expires_givesClearToolError() throws Exception {
    try (McpSyncClient client = f.client()) {
      CompletableFuture<McpSchema.CallToolResult> call = CompletableFuture.supplyAsync(
          () -> client.callTool(payment("5000", Map.of())), f.callers);
      Approval held = await().atMost(Duration.ofSeconds(20))
          .until(() -> f.approvals.list(Approval.Status.PENDING, null), l -> l.size() == 1).getFirst();

      f.approvalClock.advance(McpFixture.APPROVAL_TIMEOUT);
      // The service's own once-a-second sweep may expire it before this call does: either one counts.
      f.approvals.expireDue();
      assertThat(f.approvals.get(held.id())).get().extracting(Approval::status).isEqualTo(Approval.Status.EXPIRED);

      McpSchema.CallToolResult r = call.get(30, TimeUnit.SECONDS);
      assertThat(r.isError()).isTrue();
      assertThat(McpFixture.text(r)).startsWith("the call of mcp://gateway/pay-invoice expired unapproved at")
          .contains(held.id());
      assertThatThrownBy(() -> f.approvals.approve(f.approver, held.id(), "too late"))
          .hasMessageContaining("already expired");
    }
    assertThat(f.upstream.payments).hasValue(0);
  }

  @Test
  void missingActionValue_needsApproval_neverReadAsZero() throws Exception {
    try (McpSyncClient client = f.client()) {
      CompletableFuture<McpSchema.CallToolResult> call = CompletableFuture.supplyAsync(
          () -> client.callTool(new McpSchema.CallToolRequest("pay-invoice", Map.of("supplier", "acme"))), f.callers);
      Approval held = await().atMost(Duration.ofSeconds(20))
          .until(() -> f.approvals.list(Approval.Status.PENDING, null), l -> l.size() == 1).getFirst();
      assertThat(held.actionValueUsd()).isNull();
      assertThat(held.reasons()).singleElement().asString().contains("/amount_usd is missing");
      f.approvals.deny(f.approver, held.id(), "no amount");
      assertThat(call.get(30, TimeUnit.SECONDS).isError()).isTrue();
    }
    assertThat(f.upstream.payments).hasValue(0);
  }

  @Test
  void heldApproval_survivesRestart_andRunsOnceWhenApprovedAfterIt() throws Exception {
    McpSyncClient client = f.client();
    CompletableFuture.runAsync(() -> {
      try {
        client.callTool(payment("5000", Map.of()));
      } catch (RuntimeException expected) {
        // the connection drops with the restart
      }
    }, f.callers);
    Approval held = await().atMost(Duration.ofSeconds(20))
        .until(() -> f.approvals.list(Approval.Status.PENDING, null), l -> l.size() == 1).getFirst();

    f.restart();
    client.closeGracefully();

    assertThat(f.approvals.get(held.id()).orElseThrow().status()).isEqualTo(Approval.Status.PENDING);
    f.approvals.approve(f.approver, held.id(), "after restart");
    await().atMost(Duration.ofSeconds(20)).until(
        () -> f.approvals.get(held.id()).orElseThrow().execution() == Approval.Execution.DONE);
    f.gateway.resumeApproved(); // a second recovery pass finds it claimed
    f.approvals.approve(f.approver, held.id(), "again");
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> f.upstream.payments.get() == 1);
    assertThat(f.approvals.get(held.id()).orElseThrow().resultJson()).contains("paid 5000 USD to acme");
  }

  @Test
  void userToken_orUnknownCredential_isRefused() throws Exception {
    String viewerToken = f.identity.createUser(f.admin, "ursula", io.warden.core.identity.Role.VIEWER,
        java.util.Set.of()).secret();
    assertThat(initialize(viewerToken)).satisfies(r -> {
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).contains("user:ursula is a user: the MCP gateway serves agents");
    });
    assertThat(initialize("wdn_a_nope_nope").statusCode()).isEqualTo(401);
    assertThat(initialize(f.credential).headers().firstValue("Mcp-Session-Id")).isPresent();
  }

  private java.net.http.HttpResponse<String> initialize(String bearer) throws Exception {
    return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + f.server.actualPort() + McpGateway.PATH))
        .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
  }
}
