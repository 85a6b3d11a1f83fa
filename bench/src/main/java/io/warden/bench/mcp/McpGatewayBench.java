package io.warden.bench.mcp;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.warden.core.approval.ApprovalService;
import io.warden.core.audit.AuditLog;
import io.warden.core.budget.BudgetLedger;
import io.warden.core.descriptor.DescriptorParser;
import io.warden.core.identity.IdentityService;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.SyncStatus;
import io.warden.core.policy.PolicyDecision;
import io.warden.core.store.StateStore;
import io.warden.core.trace.SpanSink;
import io.warden.demo.standin.UpstreamMcpServer;
import io.warden.executors.mcp.McpGateway;
import io.warden.executors.mcp.McpServer;
import io.warden.executors.mcp.McpServers;
import io.warden.executors.mcp.McpTool;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The latency an allowed {@code tools/call} gains through Warden's MCP gateway: the official SDK's
 * client calls {@code ledger-read} on the SDK's server (Streamable HTTP on Jetty) directly, then
 * through the gateway (authentication, descriptor and token check, input-schema validation, budget
 * reservation and settlement, a policy decision, an fsynced audit entry, the span), with 1 and with
 * 100 concurrent clients, each a separate MCP session. Policy is an in-process allow (OPA's own cost
 * is {@code policy.PolicyDecisionBench}); spans go to a no-op sink. Run with {@code ./warden bench mcp}.
 */
public final class McpGatewayBench {
  private static final String AGENT = "bench-agent";
  private static final String DESCRIPTOR = """
      apiVersion: agent.os/v1
      kind: Agent
      metadata:
        name: bench-agent
        owner: bench
      spec:
        model:
          provider: openai
          name: gpt-4o
          pinned_revision: "2024-08-06"
        tools:
          - mcp://gateway/ledger-read
      """;
  private static final McpSchema.CallToolRequest READ = new McpSchema.CallToolRequest("ledger-read",
      Map.of("account", "4711"));

  private McpGatewayBench() {}

  public static void main(String[] args) throws Exception {
    int single = Integer.getInteger("warden.bench.mcp.single_calls", 2_000);
    int clients = Integer.getInteger("warden.bench.mcp.clients", 100);
    int perClient = Integer.getInteger("warden.bench.mcp.calls_per_client", 100);
    System.out.println(Stats.machine());
    Path dir = Files.createTempDirectory("warden-mcp-bench-");
    Vertx vertx = Vertx.vertx();
    try (UpstreamMcpServer upstream = new UpstreamMcpServer();
        StateStore state = StateStore.open(dir.resolve("state.mv"));
        AuditLog audit = AuditLog.open(dir.resolve("audit.log"))) {
      Inventory inventory = Inventory.create();
      DescriptorParser.Result d = DescriptorParser.create().parse("agents/" + AGENT + ".yaml",
          DESCRIPTOR.getBytes(StandardCharsets.UTF_8));
      inventory.replace("bench", List.of(new AgentState(d.descriptor(), "bench", SyncStatus.SYNCED, "", Instant.now())));
      IdentityService identity = IdentityService.create(state, audit, inventory, dir.resolve("signing.key"),
          Clock.systemUTC());
      var admin = (io.warden.core.identity.UserPrincipal) identity.authenticate(identity.bootstrapAdmin().orElseThrow().secret());
      String credential = identity.issueCredential(admin, AGENT).secret();
      BudgetLedger ledger = BudgetLedger.open(state, Clock.systemUTC(), Duration.ofMillis(200));
      ApprovalService approvals = ApprovalService.create(state, audit, Clock.systemUTC(), Duration.ofHours(1));
      McpGateway gateway = McpGateway.builder()
          .setVertx(vertx).setIdentityService(identity).setInventory(inventory).setBudgetLedger(ledger)
          .setPolicyDecider(input -> PolicyDecision.allow("bench")).setAuditLog(audit).setApprovalService(approvals)
          .setSpanSink(SpanSink.NOOP)
          .setServers(McpServers.of(List.of(new McpServer("erp", upstream.url(), List.of(
              new McpTool("ledger-read", "erp", false, new BigDecimal("0.002"), "")), "mcp/erp.yaml"))))
          .build();
      Router router = Router.router(vertx);
      gateway.mount(router);
      HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      URI direct = upstream.url();
      URI viaGateway = URI.create("http://127.0.0.1:" + server.actualPort() + McpGateway.PATH);

      System.out.printf(Locale.ROOT, "%-8s %-8s %8s %10s %10s %10s %12s%n", "clients", "path", "calls", "p50 ms",
          "p99 ms", "max ms", "calls/s");
      Result d1 = run("direct", direct, null, 1, single);
      Result g1 = run("gateway", viaGateway, credential, 1, single);
      Result dn = run("direct", direct, null, clients, perClient);
      Result gn = run("gateway", viaGateway, credential, clients, perClient);
      System.out.printf(Locale.ROOT, "added by the gateway, 1 client:    p50 %+.2f ms (x%.2f), p99 %+.2f ms (x%.2f)%n",
          g1.p50 - d1.p50, g1.p50 / d1.p50, g1.p99 - d1.p99, g1.p99 / d1.p99);
      System.out.printf(Locale.ROOT, "added by the gateway, %d clients: p50 %+.2f ms (x%.2f), p99 %+.2f ms (x%.2f),"
          + " throughput x%.2f%n", clients, gn.p50 - dn.p50, gn.p50 / dn.p50, gn.p99 - dn.p99, gn.p99 / dn.p99,
          gn.perSecond / dn.perSecond);
      System.out.printf(Locale.ROOT, "upstream saw %d calls; audit log %d KiB%n", upstream.reads.get(),
          Files.size(dir.resolve("audit.log")) >> 10);
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      gateway.close();
      approvals.close();
      ledger.close();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    System.exit(0); // the SDK's servlet transport leaves a non-daemon session sweeper thread behind
  }

  private record Result(double p50, double p99, double perSecond) {}

  /** {@code clients} sessions, each on its own thread, each making {@code calls} calls after a warm-up. */
  private static Result run(String label, URI endpoint, String bearer, int clients, int calls) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(clients);
    List<McpSyncClient> sessions = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        sessions.add(client(endpoint, bearer));
      }
      int warmup = Math.max(10, calls / 10);
      CountDownLatch warmedUp = new CountDownLatch(clients);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<long[]>> futures = new ArrayList<>();
      for (McpSyncClient c : sessions) {
        futures.add(threads.submit(() -> {
          for (int i = 0; i < warmup; i++) {
            check(c.callTool(READ));
          }
          warmedUp.countDown();
          go.await();
          long[] out = new long[calls];
          for (int i = 0; i < calls; i++) {
            long t = System.nanoTime();
            check(c.callTool(READ));
            out[i] = System.nanoTime() - t;
          }
          return out;
        }));
      }
      if (!warmedUp.await(10, TimeUnit.MINUTES)) {
        throw new IllegalStateException("the warm-up did not finish");
      }
      long start = System.nanoTime();
      go.countDown();
      long[] all = new long[clients * calls];
      int n = 0;
      for (Future<long[]> f : futures) {
        long[] part = f.get(10, TimeUnit.MINUTES);
        System.arraycopy(part, 0, all, n, part.length);
        n += part.length;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Result r = new Result(Stats.ms(all, 0.50), Stats.ms(all, 0.99), all.length / seconds);
      System.out.printf(Locale.ROOT, "%-8d %-8s %8d %10.2f %10.2f %10.2f %12.0f%n", clients, label, all.length, r.p50,
          r.p99, Stats.ms(all, 1.0), r.perSecond);
      return r;
    } finally {
      sessions.forEach(McpSyncClient::closeGracefully);
      threads.shutdownNow();
    }
  }

  private static McpSyncClient client(URI endpoint, String bearer) {
    HttpClientStreamableHttpTransport.Builder t = HttpClientStreamableHttpTransport
        .builder(endpoint.getScheme() + "://" + endpoint.getRawAuthority()).endpoint(endpoint.getRawPath());
    if (bearer != null) {
      t.requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + bearer));
    }
    McpSyncClient c = McpClient.sync(t.build()).requestTimeout(Duration.ofSeconds(60))
        .jsonSchemaValidator(UpstreamMcpServer.NO_VALIDATION).build();
    c.initialize();
    return c;
  }

  private static void check(McpSchema.CallToolResult r) {
    if (Boolean.TRUE.equals(r.isError())) {
      throw new IllegalStateException("the call failed: " + r);
    }
  }
}
