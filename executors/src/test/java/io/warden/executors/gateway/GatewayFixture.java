package io.warden.executors.gateway;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.warden.core.audit.AuditLog;
import io.warden.core.budget.BudgetLedger;
import io.warden.core.budget.TokenPrices;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.descriptor.DescriptorParser;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.IssuedSecret;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.SyncStatus;
import io.warden.core.policy.PolicyDecider;
import io.warden.core.policy.PolicyDecision;
import io.warden.core.shadow.ModelShadowLedger;
import io.warden.core.store.StateStore;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanSink;
import io.warden.demo.standin.ProviderStandIn;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A model gateway on real core components (state store, audit log, identity service, inventory,
 * budget ledger) in a temp directory, served on an OS-chosen port, forwarding to a
 * {@link ProviderStandIn}. Two agents: {@value #OPENAI_AGENT} (openai/gpt-4o@2024-08-06) and
 * {@value #ANTHROPIC_AGENT} (anthropic/claude-opus-4-7@2026-02-14, small model claude-haiku-4-5).
 */
final class GatewayFixture implements AutoCloseable {
  static final String OPENAI_AGENT = "support-bot";
  static final String ANTHROPIC_AGENT = "reconciliation-finance";
  static final String OPENAI_KEY = "sk-standin-openai";
  static final String ANTHROPIC_KEY = "sk-ant-standin";
  static final long MAX_REQUEST_BYTES = 64 * 1024;
  /** A provider with {@code api: anthropic} that is not named {@code anthropic}, on the stand-in's Messages API. */
  static final String MESSAGES_PROXY = "claude-proxy";

  /** List prices per 1M tokens (input, output, cached input), as the seed pricing.yaml has them. */
  static final Map<String, BigDecimal[]> PRICES = Map.of(
      "gpt-4o", new BigDecimal[] {new BigDecimal("2.50"), new BigDecimal("10.00"), new BigDecimal("1.25")},
      "claude-opus-4-7", new BigDecimal[] {new BigDecimal("15.00"), new BigDecimal("75.00"), new BigDecimal("1.50")},
      "claude-haiku-4-5", new BigDecimal[] {new BigDecimal("1.00"), new BigDecimal("5.00"), new BigDecimal("0.10")},
      "gpt-4.1-nano", new BigDecimal[] {new BigDecimal("0.10"), new BigDecimal("0.40"), new BigDecimal("0.025")});

  static final TokenPrices TOKEN_PRICES = (model, revision, in, out, cached) -> {
    for (var e : PRICES.entrySet()) {
      if (model.startsWith(e.getKey() + "-")) {
        BigDecimal[] p = e.getValue();
        return p[0].multiply(BigDecimal.valueOf(in - cached)).add(p[2].multiply(BigDecimal.valueOf(cached)))
            .add(p[1].multiply(BigDecimal.valueOf(out))).divide(BigDecimal.valueOf(1_000_000), 9, RoundingMode.HALF_UP);
      }
    }
    return null;
  };

  final Path dir;
  final Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)); // as the appliance's
  /** The provider's own event loops, as a provider is another system: its timers never wait for the gateway's work. */
  private final Vertx providerVertx = Vertx.vertx();
  final ProviderStandIn standIn;
  final Inventory inventory = Inventory.create();
  final Queue<SpanRecord> spans = new ConcurrentLinkedQueue<>();
  /**
   * The gateway's meters, kept in a {@link SimpleMeterRegistry} inside; timers also keep p99 and
   * p99.9 over 10 minutes, and a bench starts them afresh by swapping the registry inside.
   */
  final CompositeMeterRegistry metrics = new CompositeMeterRegistry().add(new SimpleMeterRegistry());

  {
    metrics.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        return DistributionStatisticConfig.builder().percentiles(0.99, 0.999).expiry(Duration.ofMinutes(10))
            .bufferLength(1).build().merge(config);
      }
    });
  }
  /** When false, the gateway's spans are dropped instead of kept in {@link #spans} (benchmarks). */
  volatile boolean keepSpans = true;
  /** Allows everything, from memory: like OPA's decider with a warm decision cache. */
  static final PolicyDecider CACHED_ALLOW = new PolicyDecider() {
    @Override
    public PolicyDecision decide(io.warden.core.policy.DecisionInput input) {
      return PolicyDecision.allow("test-rev");
    }

    @Override
    public PolicyDecision decideWithoutWaiting(io.warden.core.policy.DecisionInput input) {
      return decide(input);
    }
  };
  final AtomicReference<PolicyDecider> policy = new AtomicReference<>(CACHED_ALLOW);
  final Clock clock = Clock.systemUTC();
  final Duration persistEvery;
  /** Added to the response cache's clock, so tests can move past its TTL. */
  final java.util.concurrent.atomic.AtomicLong cacheClockAdvance = new java.util.concurrent.atomic.AtomicLong();
  /** Agents added with {@link #addAgent}, kept when {@link #putAgents} replaces the two standard ones. */
  final List<AgentState> extraAgents = new java.util.concurrent.CopyOnWriteArrayList<>();
  private List<AgentState> standardAgents = List.of();
  StateStore state;
  AuditLog audit;
  IdentityService identity;
  BudgetLedger ledger;
  ModelShadowLedger shadows;
  ModelGateway gateway;
  HttpServer server;
  UserPrincipal admin;
  String openAiCredential;
  String anthropicCredential;
  String openAiUpstream;
  String adminToken;

  private final List<AutoCloseable> clients = new ArrayList<>();

  GatewayFixture(Path dir) throws Exception {
    this(dir, Duration.ZERO);
  }

  /** With the ledger writing its counters at most every {@code persistEvery} (zero: on every change). */
  GatewayFixture(Path dir, Duration persistEvery) throws Exception {
    this(dir, persistEvery, null);
  }

  /**
   * As {@link #GatewayFixture(Path, Duration)}, with the {@code openai} provider at {@code openAiUpstream}
   * when it is set (a stand-in in another process) instead of this fixture's stand-in.
   */
  GatewayFixture(Path dir, Duration persistEvery, @org.jspecify.annotations.Nullable String openAiUpstream)
      throws Exception {
    this.dir = dir;
    this.persistEvery = persistEvery;
    this.standIn = new ProviderStandIn(providerVertx).start();
    this.openAiUpstream = openAiUpstream != null ? openAiUpstream : standIn.openAiBaseUrl();
    putAgents("calls_per_hour: 1000\n    usd_per_day: 40", "calls_per_hour: 1000\n    usd_per_day: 40");
    open();
    adminToken = identity.bootstrapAdmin().orElseThrow().secret();
    admin = (UserPrincipal) identity.authenticate(adminToken);
    openAiCredential = identity.issueCredential(admin, OPENAI_AGENT).secret();
    anthropicCredential = identity.issueCredential(admin, ANTHROPIC_AGENT).secret();
    startGateway();
  }

  /** Replaces both agents, with the given {@code spec.budgets} bodies. */
  void putAgents(String openAiBudgets, String anthropicBudgets) {
    standardAgents = List.of(
        agent(OPENAI_AGENT, """
            apiVersion: agent.os/v1
            kind: Agent
            metadata:
              name: support-bot
              owner: support
            spec:
              model:
                provider: openai
                name: gpt-4o
                pinned_revision: "2024-08-06"
              budgets:
                %s
            """.formatted(openAiBudgets)),
        agent(ANTHROPIC_AGENT, """
            apiVersion: agent.os/v1
            kind: Agent
            metadata:
              name: reconciliation-finance
              owner: finance-platform
            spec:
              model:
                provider: anthropic
                name: claude-opus-4-7
                pinned_revision: "2026-02-14"
              budgets:
                %s
              routing:
                small_model:
                  provider: anthropic
                  name: claude-haiku-4-5
                  pinned_revision: "2025-10-01"
            """.formatted(anthropicBudgets)));
    replaceAgents();
  }

  /** Adds an agent from its descriptor YAML and returns a credential issued for it. */
  String addAgent(String name, String yaml) {
    extraAgents.add(agent(name, yaml));
    replaceAgents();
    return identity.issueCredential(admin, name).secret();
  }

  private void replaceAgents() {
    List<AgentState> all = new ArrayList<>(standardAgents);
    all.addAll(extraAgents);
    inventory.replace("c0ffee", all);
  }

  private static AgentState agent(String name, String yaml) {
    DescriptorParser.Result r = DescriptorParser.create().parse("agents/" + name + ".yaml",
        yaml.getBytes(StandardCharsets.UTF_8));
    if (!r.ok()) {
      throw new IllegalArgumentException("bad test descriptor: " + r.problems());
    }
    AgentDescriptor d = r.descriptor();
    return new AgentState(d, "c0ffee", SyncStatus.SYNCED, "", Instant.now());
  }

  private void open() {
    state = StateStore.open(dir.resolve("state.mv"));
    audit = AuditLog.open(dir.resolve("audit.log"));
    identity = IdentityService.create(state, audit, inventory, dir.resolve("signing.key"), clock);
    ledger = BudgetLedger.open(state, clock, persistEvery);
    shadows = ModelShadowLedger.create(state, clock);
  }

  void startGateway() throws Exception {
    gateway = ModelGateway.builder()
        .setVertx(vertx)
        .setIdentityService(identity)
        .setInventory(inventory)
        .setBudgetLedger(ledger)
        .setPolicyDecider(new PolicyDecider() {
          @Override
          public PolicyDecision decide(io.warden.core.policy.DecisionInput input) {
            return policy.get().decide(input);
          }

          @Override
          public @org.jspecify.annotations.Nullable PolicyDecision decideWithoutWaiting(
              io.warden.core.policy.DecisionInput input) {
            return policy.get().decideWithoutWaiting(input);
          }
        })
        .setAuditLog(audit)
        .setMeterRegistry(metrics)
        .setSpanSink(span -> {
          if (keepSpans) {
            spans.add(span);
          }
          return CompletableFuture.completedFuture(null);
        })
        .setTokenPrices(TOKEN_PRICES)
        .addProvider(new UpstreamProvider("openai", URI.create(openAiUpstream), "STANDIN_OPENAI_KEY", true))
        .addProvider(new UpstreamProvider("anthropic", URI.create(standIn.anthropicBaseUrl()), "STANDIN_ANTHROPIC_KEY"))
        // Not named anthropic, configured to speak Messages (a proxy in front of Anthropic).
        .addProvider(new UpstreamProvider(MESSAGES_PROXY, URI.create(standIn.anthropicBaseUrl()), "STANDIN_ANTHROPIC_KEY",
            false, UpstreamProvider.Api.ANTHROPIC))
        .setEnvironment(Map.of("STANDIN_OPENAI_KEY", OPENAI_KEY, "STANDIN_ANTHROPIC_KEY", ANTHROPIC_KEY)::get)
        .setMaxRequestBytes(MAX_REQUEST_BYTES)
        .setStateStore(state)
        .setModelShadowLedger(shadows)
        .setCacheTicker(() -> System.nanoTime() + cacheClockAdvance.get())
        .build();
    Router router = Router.router(vertx);
    gateway.mount(router);
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Stops the gateway and closes the store, then opens everything again on the same files. */
  void restart() throws Exception {
    stopGateway();
    ledger.close();
    audit.close();
    state.close();
    open();
    startGateway();
  }

  private void stopGateway() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    gateway.close();
  }

  int port() {
    return server.actualPort();
  }

  String openAiBaseUrl() {
    return "http://127.0.0.1:" + port() + "/v1";
  }

  String anthropicBaseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /** Spans recorded for {@code agent}, oldest first. */
  List<SpanRecord> spansOf(String agent) {
    List<SpanRecord> out = new ArrayList<>();
    for (SpanRecord s : spans) {
      if (s.agent().equals(agent)) {
        out.add(s);
      }
    }
    return out;
  }

  /** Streams a Chat Completions request through {@code client}; the text of its content deltas. */
  static String streamedText(OpenAIClient client, com.openai.models.chat.completions.ChatCompletionCreateParams params) {
    StringBuilder text = new StringBuilder();
    try (var stream = client.chat().completions().createStreaming(params)) {
      stream.stream().forEach(chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append)));
    }
    return text.toString();
  }

  /** The official OpenAI SDK on this gateway with {@code key}, without retries; closed with the fixture. */
  OpenAIClient openAiClient(String key) {
    OpenAIClient c = OpenAIOkHttpClient.builder().baseUrl(openAiBaseUrl()).apiKey(key).maxRetries(0).build();
    clients.add(c::close);
    return c;
  }

  /** The official Anthropic SDK on this gateway with {@code key}, without retries; closed with the fixture. */
  AnthropicClient anthropicClient(String key) {
    AnthropicClient c = AnthropicOkHttpClient.builder().baseUrl(anthropicBaseUrl()).apiKey(key).maxRetries(0).build();
    clients.add(c::close);
    return c;
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable c : clients) {
      c.close();
    }
    try {
      stopGateway();
    } finally {
      standIn.close();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      providerVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      ledger.close();
      audit.close();
      state.close();
    }
  }
}
