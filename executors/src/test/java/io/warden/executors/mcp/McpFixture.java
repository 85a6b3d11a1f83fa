package io.warden.executors.mcp;

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
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.descriptor.DescriptorParser;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.SyncStatus;
import io.warden.core.policy.PolicyDecider;
import io.warden.core.policy.PolicyDecision;
import io.warden.core.shadow.ShadowLedger;
import io.warden.core.store.StateStore;
import io.warden.core.trace.SpanRecord;
import io.warden.demo.standin.UpstreamMcpServer;
import io.warden.testing.MutableClock;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An MCP gateway on real core components (state store, audit log, identity, inventory, budget
 * ledger, approvals) in a temp directory, on an OS-chosen port, in front of an
 * {@link UpstreamMcpServer}. Agent {@value #AGENT} lists ledger-read and pay-invoice and needs
 * approval over 1,000 USD; the policy stands in for the seeded runtime.rego rules (the packaged
 * appliance's tests use the real OPA).
 */
final class McpFixture implements AutoCloseable {
  static final String AGENT = "payments-bot";
  static final Duration APPROVAL_TIMEOUT = Duration.ofMinutes(30);

  final Path dir;
  final Vertx vertx = Vertx.vertx();
  final UpstreamMcpServer upstream;
  final Inventory inventory = Inventory.create();
  final MutableClock approvalClock = new MutableClock(Instant.now());
  final Queue<SpanRecord> spans = new ConcurrentLinkedQueue<>();
  /** Platform threads for the blocking SDK calls (the common pool may have a single thread here). */
  final ExecutorService callers = Executors.newCachedThreadPool();
  private static final String DESCRIPTOR = """
        apiVersion: agent.os/v1
        kind: Agent
        metadata:
          name: payments-bot
          owner: finance-platform
        spec:
          model:
            provider: openai
            name: gpt-4o
            pinned_revision: "2024-08-06"
          tools:
            - mcp://gateway/ledger-read
            - mcp://gateway/pay-invoice
          budgets:
            calls_per_hour: 1000
            usd_per_day: 40
          approval:
            on_action_value_usd_gt: 1000
        """;
  StateStore state;
  AuditLog audit;
  IdentityService identity;
  BudgetLedger ledger;
  ApprovalService approvals;
  ShadowLedger shadow;
  McpGateway gateway;
  HttpServer server;
  UserPrincipal admin;
  UserPrincipal approver;
  UserPrincipal viewer;
  String credential;

  /** The team the policy names as approver (data.warden.approvers in runtime.rego); "" = any approver. */
  volatile String approverTeam = "";

  /**
   * The seeded runtime.rego's tool rules: tool in spec.tools, approval over the descriptor's threshold,
   * {@link #approverTeam} on allow and require_approval.
   */
  final PolicyDecider policy = input -> {
    AgentDescriptor d = inventory.get(input.agent()).orElseThrow().descriptor();
    if (!d.spec().tools().contains(input.resource())) {
      return PolicyDecision.deny("agent " + input.agent() + " may not call " + input.resource(), "rev-1");
    }
    BigDecimal threshold = d.spec().approval() == null ? null : d.spec().approval().onActionValueUsdGt();
    if (threshold != null && input.actionValueUsd() != null && input.actionValueUsd().compareTo(threshold) > 0) {
      return new PolicyDecision(PolicyDecision.Outcome.REQUIRE_APPROVAL, List.of("action value "
          + input.actionValueUsd().toPlainString() + " USD is over agent " + input.agent()
          + "'s approval threshold of " + threshold.toPlainString() + " USD"), "rev-1", approverTeam);
    }
    return new PolicyDecision(PolicyDecision.Outcome.ALLOW, List.of(), "rev-1", approverTeam);
  };

  McpFixture(Path dir) throws Exception {
    this.dir = dir;
    this.upstream = new UpstreamMcpServer();
    useDescriptor("");
    open();
    admin = (UserPrincipal) identity.authenticate(identity.bootstrapAdmin().orElseThrow().secret());
    approver = (UserPrincipal) identity.authenticate(identity.createUser(admin, "alice", Role.APPROVER, Set.of()).secret());
    viewer = (UserPrincipal) identity.authenticate(identity.createUser(admin, "vic", Role.VIEWER, Set.of()).secret());
    credential = identity.issueCredential(admin, AGENT).secret();
    startGateway();
  }

  private void open() {
    state = StateStore.open(dir.resolve("state.mv"));
    audit = AuditLog.open(dir.resolve("audit.log"));
    identity = IdentityService.create(state, audit, inventory, dir.resolve("signing.key"), Clock.systemUTC());
    ledger = BudgetLedger.open(state, Clock.systemUTC(), Duration.ZERO);
    approvals = ApprovalService.create(state, audit, approvalClock, APPROVAL_TIMEOUT);
    shadow = ShadowLedger.create(state, Clock.systemUTC());
  }

  /** Puts the agent's descriptor in the inventory, with {@code specExtra} (indented YAML) appended to spec. */
  void useDescriptor(String specExtra) {
    DescriptorParser.Result r = DescriptorParser.create().parse("agents/" + AGENT + ".yaml", (DESCRIPTOR + specExtra)
        .getBytes(StandardCharsets.UTF_8));
    if (!r.ok()) {
      throw new IllegalArgumentException("bad test descriptor: " + r.problems());
    }
    inventory.replace("c0ffee", List.of(new AgentState(r.descriptor(), "c0ffee", SyncStatus.SYNCED, "", Instant.now())));
  }

  /** Stops the gateway and starts a new one on the same stores, with {@code options} applied to its builder. */
  void rebuildGateway(Consumer<McpGatewayBuilder> options) throws Exception {
    stopGateway();
    this.options = options;
    startGateway();
  }

  private Consumer<McpGatewayBuilder> options = b -> {};

  void startGateway() throws Exception {
    McpGatewayBuilder builder = McpGateway.builder()
        .setVertx(vertx)
        .setIdentityService(identity)
        .setInventory(inventory)
        .setBudgetLedger(ledger)
        .setPolicyDecider(policy)
        .setAuditLog(audit)
        .setApprovalService(approvals)
        .setShadowLedger(shadow)
        .setSpanSink(span -> {
          spans.add(span);
          return CompletableFuture.completedFuture(null);
        })
        .setServers(declaration(upstream))
        .setProgressEvery(Duration.ofMillis(200))
        .setUpstreamTimeout(Duration.ofSeconds(20));
    options.accept(builder);
    gateway = builder.build();
    Router router = Router.router(vertx);
    gateway.mount(router);
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Stops the gateway and closes every store, then opens them again on the same files. */
  void restart() throws Exception {
    stopGateway();
    approvals.close();
    ledger.close();
    audit.close();
    state.close();
    open();
    startGateway();
    gateway.resumeApproved();
  }

  private void stopGateway() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    gateway.close();
  }

  /** An unmodified MCP SDK client connected as the agent with {@code bearer}. */
  McpSyncClient client(String bearer, Consumer<McpSchema.ProgressNotification> progress) {
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
        .builder("http://127.0.0.1:" + server.actualPort())
        .endpoint(McpGateway.PATH)
        .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + bearer))
        .build();
    McpSyncClient client = McpClient.sync(transport)
        .requestTimeout(Duration.ofSeconds(60))
        .jsonSchemaValidator(UpstreamMcpServer.NO_VALIDATION)
        .progressConsumer(progress)
        .build();
    client.initialize();
    return client;
  }

  McpSyncClient client() {
    return client(credential, p -> {});
  }

  /** The text of a tool result's first content item. */
  static String text(McpSchema.CallToolResult r) {
    return ((McpSchema.TextContent) r.content().getFirst()).text();
  }

  @Override
  public void close() throws Exception {
    callers.shutdownNow();
    try {
      stopGateway();
    } finally {
      upstream.close();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      approvals.close();
      ledger.close();
      audit.close();
      state.close();
    }
  }

  /** The declaration of {@code upstream}, as {@code mcp/erp.yaml} would give it. */
  static McpServers declaration(UpstreamMcpServer upstream) {
    return McpServers.of(List.<McpServer>of(new McpServer("erp", upstream.url(), List.of(
        new McpTool("ledger-read", "erp", false, new BigDecimal("0.002"), ""),
        new McpTool("pay-invoice", "erp", true, new BigDecimal("0.05"), "/amount_usd"),
        new McpTool("admin-reset", "erp", true, BigDecimal.ZERO, "")), "mcp/erp.yaml")));
  }
}
