package io.warden.executors.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.warden.core.approval.Approval;
import io.warden.core.audit.AuditEvent;
import io.warden.core.shadow.ShadowAction;
import io.warden.core.shadow.ShadowReport;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** spec.autonomy through the gateway, with the SDK's client as the agent and the SDK's server upstream. */
@Timeout(120)
class McpShadowModeTest extends McpFixtureTest {

  private static McpSchema.CallToolRequest payment(String amount, String correlationKey) {
    return new McpSchema.CallToolRequest("pay-invoice", Map.of("supplier", "acme", "amount_usd",
        new BigDecimal(amount)), correlationKey.isEmpty() ? Map.of() : Map.of("correlation_key", correlationKey));
  }

  @Test
  void shadow_sideEffectingCallCaptured_notExecuted_readOnlyCallRuns() {
    f.useDescriptor("  autonomy: shadow\n");
    try (McpSyncClient client = f.client()) {
      McpSchema.CallToolResult read = client.callTool(new McpSchema.CallToolRequest("ledger-read",
          Map.of("account", "4711")));
      assertThat(read.isError()).isFalse();
      assertThat(McpFixture.text(read)).isEqualTo("balance of 4711: 100.00 USD");

      // 5,000 USD is over the approval threshold too: in shadow mode it is neither held nor run.
      McpSchema.CallToolResult pay = client.callTool(payment("5000", "INV-1"));
      assertThat(pay.isError()).isFalse();
      assertThat(McpFixture.text(pay)).startsWith("captured in shadow mode, not executed").contains("correlation key INV-1");
      McpSchema.CallToolResult unkeyed = client.callTool(payment("20", ""));
      assertThat(McpFixture.text(unkeyed)).contains("no correlation_key in _meta");
    }
    assertThat(f.upstream.reads).hasValue(1);
    assertThat(f.upstream.payments).hasValue(0); // the upstream never saw a payment
    assertThat(f.approvals.list(null, null)).isEmpty();
    assertThat(f.shadow.actions(McpFixture.AGENT)).extracting(ShadowAction::tool, ShadowAction::correlationKey)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("pay-invoice", "INV-1"),
            org.assertj.core.groups.Tuple.tuple("pay-invoice", ""));
    assertThat(f.shadow.actions(McpFixture.AGENT).getFirst().argumentsJson())
        .contains("\"supplier\":\"acme\"", "\"amount_usd\":5000");
    assertThat(f.audit.list(0, 1000, "tool.call")).extracting(e -> e.details().get("outcome"))
        .containsExactly("executed", "captured", "captured");
    assertThat(f.ledger.usage(McpFixture.AGENT, "").usdSpentToday()).isEqualByComparingTo("0.002"); // the read only

    f.shadow.recordHuman(McpFixture.AGENT, "pay-invoice", "{\"supplier\":\"acme\",\"amount_usd\":5000.00}", "INV-1");
    ShadowReport report = f.shadow.report(McpFixture.AGENT);
    assertThat(report.pairs()).isEqualTo(1);
    assertThat(report.agreementRate()).isEqualTo(1.0);
  }

  @Test
  void supervised_everySideEffectingCallHeld_evenUnderTheThreshold_readsRun() throws Exception {
    f.useDescriptor("  autonomy: supervised\n");
    try (McpSyncClient client = f.client()) {
      assertThat(client.callTool(new McpSchema.CallToolRequest("ledger-read", Map.of("account", "1"))).isError())
          .isFalse();
      CompletableFuture<McpSchema.CallToolResult> call = CompletableFuture.supplyAsync(
          () -> client.callTool(payment("20", "")), f.callers);
      Approval held = await().atMost(Duration.ofSeconds(20))
          .until(() -> f.approvals.list(Approval.Status.PENDING, null), l -> l.size() == 1).getFirst();
      assertThat(held.reasons()).contains("agent payments-bot is supervised (spec.autonomy): every side-effecting"
          + " call needs approval");
      assertThat(f.upstream.payments).hasValue(0);

      f.approvals.approve(f.approver, held.id(), "ok");
      McpSchema.CallToolResult r = call.get(30, TimeUnit.SECONDS);
      assertThat(r.isError()).isFalse();
      assertThat(McpFixture.text(r)).isEqualTo("paid 20 USD to acme");
    }
    assertThat(f.upstream.payments).hasValue(1);
  }

  @Test
  void supervised_approversDecisions_areHumanActionsPairedWithTheProposals() throws Exception {
    f.useDescriptor("  autonomy: supervised\n");
    Approval second;
    try (McpSyncClient client = f.client()) {
      CompletableFuture<McpSchema.CallToolResult> approved = CompletableFuture.supplyAsync(
          () -> client.callTool(payment("20", "INV-7")), f.callers);
      Approval first = await().atMost(Duration.ofSeconds(20))
          .until(() -> f.approvals.list(Approval.Status.PENDING, null), l -> l.size() == 1).getFirst();
      assertThat(first.correlationKey()).isEqualTo("INV-7");
      f.approvals.approve(f.approver, first.id(), "ok");
      approved.get(30, TimeUnit.SECONDS);

      CompletableFuture<McpSchema.CallToolResult> denied = CompletableFuture.supplyAsync(
          () -> client.callTool(payment("30", "")), f.callers);
      second = await().atMost(Duration.ofSeconds(20))
          .until(() -> f.approvals.list(Approval.Status.PENDING, null), l -> l.size() == 1).getFirst();
      f.approvals.deny(f.approver, second.id(), "duplicate invoice");
      denied.get(30, TimeUnit.SECONDS);
    }

    ShadowReport report = f.shadow.report(McpFixture.AGENT);
    assertThat(report.pairs()).isEqualTo(2);
    assertThat(report.agreements()).isEqualTo(1);
    assertThat(report.disagreements()).singleElement().satisfies(d -> {
      assertThat(d.correlationKey()).isEqualTo(second.id()); // no correlation_key: the approval pairs them
      assertThat(d.human().tool()).isEqualTo("denied");
      assertThat(d.human().argumentsJson()).contains("duplicate invoice");
      assertThat(d.differences().getFirst()).isEqualTo("tool: agent pay-invoice, human denied");
    });
  }

  @Test
  void autonomous_isTodaysBehaviour_smallPaymentRunsAtOnce() {
    f.useDescriptor("  autonomy: autonomous\n");
    try (McpSyncClient client = f.client()) {
      assertThat(McpFixture.text(client.callTool(payment("20", "INV-2")))).isEqualTo("paid 20 USD to acme");
    }
    assertThat(f.upstream.payments).hasValue(1);
    assertThat(f.shadow.actions(McpFixture.AGENT)).isEmpty();
    assertThat(f.audit.list(0, 1000, "tool.call")).extracting(AuditEvent::details)
        .extracting(d -> d.get("outcome")).containsExactly("executed");
  }
}
