package io.warden.executors.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.warden.core.approval.Approval;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A stdio upstream: the SDK's stdio server in a child JVM that the gateway starts from the
 * declaration's {@code command}, supervises (restart with back-off, bounded stderr) and stops when
 * the declaration goes away or the gateway closes; the agent is the SDK's client over Streamable HTTP.
 */
@Timeout(180)
class McpStdioUpstreamTest extends McpFixtureTest {
  private Path payments;

  @BeforeEach
  void start() throws Exception {
    payments = dir.resolve("payments.txt");
  }

  /** {@code mcp/erp.yaml} with {@code command:} running {@link StdioUpstreamMain}. */
  private McpServers stdioErp(String... extraArgs) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
        StdioUpstreamMain.class.getName(), payments.toString()));
    command.addAll(List.of(extraArgs));
    return McpServers.of(List.of(new McpServer("erp", McpTransport.stdio(command, Map.of()), List.of(
        new McpTool("ledger-read", "erp", false, new BigDecimal("0.002"), ""),
        new McpTool("pay-invoice", "erp", true, new BigDecimal("0.05"), "/amount_usd")), "mcp/erp.yaml")));
  }

  private McpUpstreamStatus erp() {
    return f.gateway.upstreams().stream().filter(s -> s.server().equals("erp")).findFirst().orElseThrow();
  }

  private McpUpstreamStatus awaitConnected() {
    return await().atMost(Duration.ofSeconds(60)).until(this::erp, s -> s.state().equals("connected"));
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private List<String> paymentLines() throws Exception {
    return Files.exists(payments) ? Files.readAllLines(payments, StandardCharsets.UTF_8) : List.of();
  }

  @Test
  void stdioServer_startedWhenDeclared_servesCalls_heldPaymentRunsOnce() throws Exception {
    f.gateway.setServers(stdioErp());
    McpUpstreamStatus up = awaitConnected();
    assertThat(up.transport()).startsWith("stdio: ").contains(StdioUpstreamMain.class.getName());
    assertThat(up.pid()).isPositive();
    assertThat(alive(up.pid())).isTrue();

    try (McpSyncClient client = f.client()) {
      assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name)
          .containsExactlyInAnyOrder("ledger-read", "pay-invoice");
      McpSchema.CallToolResult read = client.callTool(new McpSchema.CallToolRequest("ledger-read",
          Map.of("account", "4711")));
      assertThat(read.isError()).isFalse();
      assertThat(McpFixture.text(read)).isEqualTo("balance of 4711: 100.00 USD (pid " + up.pid() + ")");

      CompletableFuture<McpSchema.CallToolResult> call = CompletableFuture.supplyAsync(() -> client.callTool(
          new McpSchema.CallToolRequest("pay-invoice", Map.of("supplier", "acme", "amount_usd", 5000))), f.callers);
      Approval held = await().atMost(Duration.ofSeconds(20))
          .until(() -> f.approvals.list(Approval.Status.PENDING, McpFixture.AGENT), l -> l.size() == 1).getFirst();
      assertThat(paymentLines()).isEmpty();
      f.approvals.approve(f.approver, held.id(), "checked");
      McpSchema.CallToolResult paid = call.get(60, TimeUnit.SECONDS);
      assertThat(McpFixture.text(paid)).isEqualTo("paid 5000 USD to acme (pid " + up.pid() + ")");
      f.approvals.approve(f.approver, held.id(), "twice");
    }
    assertThat(paymentLines()).containsExactly("acme 5000 " + held(f));
    assertThat(f.audit.list(0, 100, "tool.call")).extracting(e -> e.details().get("outcome"))
        .containsExactly("executed", "held", "executed");
  }

  private static String held(McpFixture f) {
    return f.approvals.list(Approval.Status.APPROVED, McpFixture.AGENT).getFirst().id();
  }

  @Test
  void stdioServer_killed_isRestartedWithBackoff_andServesAgain() throws Exception {
    f.gateway.setServers(stdioErp());
    long first = awaitConnected().pid();

    ProcessHandle.of(first).orElseThrow().destroyForcibly();

    McpUpstreamStatus down = await().atMost(Duration.ofSeconds(30)).until(this::erp,
        s -> s.state().equals("restarting") || s.restarts() >= 1);
    assertThat(down.lastExit()).isEqualTo("exit code 137");
    McpUpstreamStatus back = await().atMost(Duration.ofSeconds(60)).until(this::erp,
        s -> s.state().equals("connected") && s.pid() != first);
    assertThat(back.restarts()).isEqualTo(1);
    assertThat(back.lastExit()).isEqualTo("exit code 137");
    try (McpSyncClient client = f.client()) {
      McpSchema.CallToolResult read = client.callTool(new McpSchema.CallToolRequest("ledger-read",
          Map.of("account", "1")));
      assertThat(McpFixture.text(read)).endsWith("(pid " + back.pid() + ")");
    }
  }

  @Test
  void stdioServer_stderrIsKeptBounded() {
    f.gateway.setServers(stdioErp("5000"));
    McpUpstreamStatus up = await().atMost(Duration.ofSeconds(60)).until(this::erp,
        s -> s.state().equals("connected") && !s.stderrTail().isEmpty()
            && s.stderrTail().getLast().startsWith("stdio stand-in ready"));

    assertThat(up.stderrTail()).hasSize(100);
    assertThat(up.stderrTail().getFirst()).startsWith("noise 4901 ");
    assertThat(up.stderrTail()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(1_001));
  }

  @Test
  void stdioServer_stoppedWhenNoLongerDeclared_andWhenTheGatewayCloses() throws Exception {
    f.gateway.setServers(stdioErp());
    long pid = awaitConnected().pid();

    f.gateway.setServers(McpFixture.declaration(f.upstream)); // erp moves back to Streamable HTTP
    await().atMost(Duration.ofSeconds(30)).until(() -> !alive(pid));
    assertThat(erp().transport()).isEqualTo(f.upstream.url().toString());
    try (McpSyncClient client = f.client()) {
      assertThat(McpFixture.text(client.callTool(new McpSchema.CallToolRequest("ledger-read",
          Map.of("account", "4711"))))).isEqualTo("balance of 4711: 100.00 USD");
    }

    f.gateway.setServers(stdioErp());
    long second = awaitConnected().pid();
    f.gateway.close();
    assertThat(alive(second)).isFalse(); // close waits for the process
  }

  @Test
  void stdioServer_thatCannotStart_isAClearError_andRetriedWithBackoff() throws Exception {
    f.gateway.setServers(McpServers.of(List.of(new McpServer("erp", McpTransport.stdio(
        List.of(dir.resolve("no-such-program").toString()), Map.of()), List.of(
        new McpTool("ledger-read", "erp", false, BigDecimal.ZERO, "")), "mcp/erp.yaml"))));

    McpUpstreamStatus down = await().atMost(Duration.ofSeconds(30)).until(this::erp,
        s -> s.state().equals("restarting"));
    assertThat(down.lastExit()).isEqualTo("did not start: program '" + dir.resolve("no-such-program")
        + "' is not an executable file");
    assertThat(down.nextStart()).isNotNull();
    try (McpSyncClient client = f.client()) {
      McpSchema.CallToolResult r = client.callTool(new McpSchema.CallToolRequest("ledger-read", Map.of()));
      assertThat(r.isError()).isTrue();
      assertThat(McpFixture.text(r)).contains("upstream MCP server erp (stdio: " + dir.resolve("no-such-program"))
          .contains("failed");
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> erp().restarts() >= 2);
  }

  @Test
  void stdioServer_exitingDuringTheHandshake_failsAtOnce() {
    f.gateway.setServers(McpServers.of(List.of(new McpServer("erp", McpTransport.stdio(List.of("false"), Map.of()),
        List.of(new McpTool("ledger-read", "erp", false, BigDecimal.ZERO, "")), "mcp/erp.yaml"))));

    McpUpstreamStatus down = await().atMost(Duration.ofSeconds(10)).until(this::erp,
        s -> s.state().equals("restarting"));
    assertThat(down.lastExit()).isEqualTo("did not start: the process exited with code 1 during the MCP handshake");
  }
}
