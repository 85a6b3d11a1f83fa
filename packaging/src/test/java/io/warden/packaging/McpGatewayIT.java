package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.warden.demo.standin.UpstreamMcpServer;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The MCP gateway in the packaged appliance, with the real OPA deciding by the seeded runtime
 * policy: an upstream declared through a reviewed change ({@code mcp/erp.yaml}), an agent that lists
 * two of its tools, the official SDK client as the agent, the SDK server as the upstream. A read
 * passes; a 5,000 USD payment is held, shown by {@code warden approvals list}, approved over the
 * API and run once with its result returned to the waiting client. A payment held when Warden is
 * killed with SIGKILL is still pending after the restart, and runs exactly once when approved then
 * with {@code warden approvals approve}.
 */
@Timeout(300)
class McpGatewayIT extends ApplianceTestBase {
  private static final String AGENT = "payments-bot";
  private final ExecutorService callers = Executors.newCachedThreadPool();
  private UpstreamMcpServer upstream;

  @AfterEach
  void stopUpstream() throws Exception {
    callers.shutdownNow();
    if (upstream != null) {
      upstream.close();
    }
  }

  /** The tokens of one appliance with the ERP upstream declared and the payments agent merged. */
  private record Setup(String admin, String approver, String viewer, String credential) {}

  private Setup setUp() throws Exception {
    upstream = new UpstreamMcpServer();
    warden = WardenProcess.start(tmp.resolve("data"), Map.of("WARDEN_MCP_PROGRESS_EVERY_SECONDS", "1"));
    String admin = warden.adminToken();
    String author = createUser(admin, "alice", "author", List.of());
    String approver = createUser(admin, "pat", "approver", List.of("platform"));
    String viewer = createUser(admin, "vic", "viewer", List.of());

    warden.mergeChange(author, approver, "ERP tools", erpUpstreamFiles(upstream.url()));
    warden.mergeChange(author, approver, "Payments agent", Map.of("agents/" + AGENT + ".yaml", PAYMENTS_AGENT));
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
        .until(() -> warden.get(admin, "/api/v1/agents/" + AGENT).status() == 200);
    String credential = warden.post(admin, "/api/v1/agents/" + AGENT + "/credentials", Map.of())
        .body().path("credential").asText();
    return new Setup(admin, approver, viewer, credential);
  }

  @Test
  void heldPayment_isApprovedOverTheApi_andRunsOnce_readPassesAtOnce() throws Exception {
    Setup s = setUp();
    String admin = s.admin();
    String approver = s.approver();
    String viewer = s.viewer();
    String credential = s.credential();

    McpSyncClient client = mcpClient(credential);
    try {
      client.initialize();
      assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name)
          .containsExactlyInAnyOrder("ledger-read", "pay-invoice");

      McpSchema.CallToolResult read = client.callTool(new McpSchema.CallToolRequest("ledger-read",
          Map.of("account", "4711")));
      assertThat(read.isError()).as(read.toString()).isFalse();
      assertThat(upstream.reads).hasValue(1);

      CompletableFuture<McpSchema.CallToolResult> payment = CompletableFuture.supplyAsync(() -> client.callTool(
          new McpSchema.CallToolRequest("pay-invoice", Map.of("supplier", "acme", "amount_usd", new BigDecimal("5000")),
              Map.of("progressToken", "pay-1"))), callers);
      JsonNode held = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
          .until(() -> warden.get(viewer, "/api/v1/approvals?status=pending&agent=" + AGENT).body().path("approvals"),
              a -> a.size() == 1).get(0);
      String id = held.path("id").asText();
      assertThat(held.path("action_value_usd").decimalValue()).isEqualByComparingTo("5000");
      assertThat(held.path("reasons").toString()).contains("approval threshold");

      Result listed = cli("approvals", "list", "--server", warden.uri("/").toString(), "--token", viewer);
      assertThat(listed.exitCode()).as(listed.output()).isZero();
      assertThat(listed.output()).contains(id).contains("pending").contains("pay-invoice").contains("5000");
      assertThat(cli("approvals", "--help").output()).contains("list").contains("approve").contains("deny");

      assertThat(warden.post(viewer, "/api/v1/approvals/" + id + "/approve", Map.of()).status()).isEqualTo(403);
      assertThat(warden.post(credential, "/api/v1/approvals/" + id + "/approve", Map.of()).status()).isEqualTo(403);
      assertThat(payment).isNotDone();
      assertThat(upstream.payments).hasValue(0);

      WardenProcess.Response approved = warden.post(approver, "/api/v1/approvals/" + id + "/approve",
          Map.of("reason", "invoice 88 checked"));
      assertThat(approved.status()).as(approved.body().toString()).isEqualTo(200);
      McpSchema.CallToolResult paid = payment.get(60, TimeUnit.SECONDS);
      assertThat(paid.isError()).as(paid.toString()).isFalse();
      assertThat(((McpSchema.TextContent) paid.content().getFirst()).text()).isEqualTo("paid 5000 USD to acme");
      assertThat(warden.post(approver, "/api/v1/approvals/" + id + "/approve", Map.of()).status()).isEqualTo(200);
      assertThat(upstream.payments).hasValue(1);
      await().atMost(Duration.ofSeconds(10)).until(() ->
          warden.get(viewer, "/api/v1/approvals/" + id).body().path("execution").asText().equals("done"));
    } finally {
      client.closeGracefully();
    }
    assertThat(warden.get(admin, "/api/v1/audit?action=tool.call").body().toString())
        .contains("executed").contains("held");
  }

  @Test
  void heldPayment_survivesKill9_andRunsOnceWhenApprovedAfterRestart() throws Exception {
    Setup s = setUp();
    McpSyncClient client = mcpClient(s.credential());
    client.initialize();
    CompletableFuture.runAsync(() -> {
      try {
        client.callTool(new McpSchema.CallToolRequest("pay-invoice",
            Map.of("supplier", "acme", "amount_usd", new BigDecimal("5000"))));
      } catch (RuntimeException expected) {
        // the connection dies with the appliance
      }
    }, callers);
    String id = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
        .until(() -> warden.get(s.viewer(), "/api/v1/approvals?status=pending").body().path("approvals"),
            a -> a.size() == 1).get(0).path("id").asText();

    warden.kill();
    warden.launch();

    assertThat(warden.get(s.viewer(), "/api/v1/approvals/" + id).body().path("status").asText()).isEqualTo("pending");
    assertThat(upstream.payments).hasValue(0);
    Result approved = cli("approvals", "approve", id, "--reason", "after the restart",
        "--server", warden.uri("/").toString(), "--token", s.approver());
    assertThat(approved.exitCode()).as(approved.output()).isZero();
    assertThat(approved.output()).contains(id + "  approved").contains("by user:pat");
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() ->
        warden.get(s.viewer(), "/api/v1/approvals/" + id).body().path("execution").asText().equals("done"));
    Result shown = cli("approvals", "show", id, "--json", "--server", warden.uri("/").toString(), "--token",
        s.viewer());
    assertThat(shown.exitCode()).as(shown.output()).isZero();
    JsonNode done = WardenProcess.JSON.readTree(shown.output());
    assertThat(done.path("result").toString()).contains("paid 5000 USD to acme");
    assertThat(done.path("reason").asText()).isEqualTo("after the restart");
    assertThat(warden.post(s.approver(), "/api/v1/approvals/" + id + "/approve", Map.of()).status()).isEqualTo(200);

    // A second kill -9 and restart runs nothing again.
    warden.kill();
    warden.launch();
    assertThat(warden.get(s.viewer(), "/api/v1/approvals/" + id).body().path("execution").asText()).isEqualTo("done");
    assertThat(upstream.payments).hasValue(1);
    client.close();
  }
}
