package io.warden.packaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.warden.api.AgentRoutes;
import io.warden.api.ApiRoutes;
import io.warden.api.ApiServer;
import io.warden.api.ApprovalRoutes;
import io.warden.api.AuditRoutes;
import io.warden.api.ChangeRoutes;
import io.warden.api.DecisionRoutes;
import io.warden.api.GitRoutes;
import io.warden.api.HealthRoutes;
import io.warden.api.IdentityRoutes;
import io.warden.api.MetricsRoutes;
import io.warden.api.PolledHealth;
import io.warden.api.SessionRoutes;
import io.warden.api.ShadowRoutes;
import io.warden.api.TraceRoutes;
import io.warden.core.WardenException;
import io.warden.core.approval.ApprovalService;
import io.warden.core.approval.ApprovalWebhook;
import io.warden.core.audit.AuditLog;
import io.warden.core.budget.BudgetLedger;
import io.warden.core.budget.TokenPrices;
import io.warden.core.change.ChangeCheck;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.executor.AgentCredentials;
import io.warden.core.executor.AgentExecutor;
import io.warden.core.executor.AgentExecutorProvider;
import io.warden.core.executor.ExecutorContext;
import io.warden.core.executor.ExecutorException;
import io.warden.core.executor.ExecutorStatus;
import io.warden.core.inventory.AgentState;
import io.warden.core.session.SessionRouter;
import io.warden.core.health.Health;
import io.warden.core.health.HealthIndicator;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.IssuedSecret;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.MainBranchListener;
import io.warden.core.shadow.ModelShadowLedger;
import io.warden.core.shadow.ShadowEvidence;
import io.warden.core.shadow.ShadowLedger;
import io.warden.core.store.StateStore;
import io.warden.executors.gateway.ModelCatalog;
import io.warden.executors.gateway.ModelGateway;
import io.warden.executors.gateway.ModelGatewayBuilder;
import io.warden.executors.gateway.UpstreamProvider;
import io.warden.executors.mcp.McpGateway;
import io.warden.executors.mcp.McpServers;
import io.warden.executors.session.SessionCluster;
import io.warden.executors.session.SessionOwnership;
import io.warden.executors.session.SessionRouters;
import io.warden.gitops.ChangeRequests;
import io.warden.gitops.GitSmartHttp;
import io.warden.gitops.Reconciler;
import io.warden.gitops.WardenRepository;
import io.warden.packaging.config.WardenConfig;
import io.warden.policy.PolicyEngine;
import io.warden.policy.PolicyEngineBuilder;
import io.warden.tracestore.TraceStore;
import io.warden.tracestore.TraceStoreBuilder;
import io.warden.tracestore.clickhouse.ClickHouseSpanStore;
import io.warden.tracestore.pricing.Pricing;
import io.warden.ui.Console;
import io.warden.ui.ConsoleBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running appliance: opens the data directory, wires every module and starts the servers. The
 * one place that knows all modules. Data layout under {@code data_dir}:
 *
 * <pre>
 *   .lock               held while running: one Warden per data directory
 *   admin-token         the first admin's token (0600), written on first start
 *   state.mv            identity and change-request metadata (MVStore)
 *   audit/audit.log     the hash-chained audit log
 *   git/warden.git      the governance repository
 *   keys/               token-signing key (0600)
 *   policy/             OPA sidecar log and pid, the decision log
 *   traces/             the span write-ahead log and the Lucene index
 *   executors/          the executors' own state
 * </pre>
 */
public final class Appliance implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Appliance.class);
  /** How often the executors are asked whether each agent's runtime still runs its revision. */
  static final Duration RECHECK_EXECUTORS_EVERY = Duration.ofSeconds(15);
  /** How often component health is recomputed, off the event loops. */
  private static final Duration HEALTH_EVERY = Duration.ofSeconds(1);
  /** How often /healthz's count of agent runtimes by state is taken (one health probe per runtime). */
  private static final Duration RUNTIMES_EVERY = Duration.ofSeconds(10);

  /**
   * How long a stop may take in all: a trace store still indexing a backlog is left behind after
   * its share (its write-ahead log keeps the spans for the next start), so Ctrl-C and SIGTERM end
   * within 5 s whatever the load.
   */
  static final Duration STOP_BUDGET = Duration.ofMillis(3500);

  /** What each component still to close keeps back from the budget for itself. */
  private static final Duration STOP_RESERVE = Duration.ofMillis(250);

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final Path dataDir;
  private Vertx vertx;
  private ApiServer api;
  private TraceStore traceStore;
  private String apiDeployment;
  private int consolePort;
  private boolean closed;

  private Appliance(Path dataDir) {
    this.dataDir = dataDir;
  }

  /** Starts everything; on any failure, stops what had started and rethrows. */
  public static Appliance start(WardenConfig config) {
    Path data = config.path("data_dir").toAbsolutePath().normalize();
    Appliance app = new Appliance(data);
    try {
      app.startAll(config);
      return app;
    } catch (RuntimeException | Error e) {
      app.close();
      throw e;
    }
  }

  private void startAll(WardenConfig config) {
    Clock clock = Clock.systemUTC();
    createDirectories(dataDir);
    lockDataDir();
    // Before anything starts: a busy port is one line naming the setting, not a stack trace later.
    Ports.checkFree(config);

    StateStore state = keep(StateStore.open(dataDir.resolve("state.mv")));
    AuditLog audit = keep(AuditLog.open(dataDir.resolve("audit").resolve("audit.log")));
    Inventory inventory = Inventory.create();
    IdentityService identity = keep(IdentityService.create(
        state, audit, inventory, dataDir.resolve("keys").resolve("token-signing.key"), clock));
    identity.bootstrapAdmin().ifPresent(this::writeAdminToken);

    Map<String, byte[]> seed = new TreeMap<>(WardenRepository.defaultSeed());
    seed.putAll(PolicyEngine.seedFiles());
    seed.putAll(TraceStore.seedFiles());
    seed.putAll(ModelGateway.seedFiles());
    WardenRepository repo = keep(WardenRepository.open(dataDir.resolve("git").resolve("warden.git"), seed, audit));

    List<ChangeCheck> checks = new ArrayList<>(ChangeRequests.defaultChecks());
    List<MainBranchListener> listeners = new ArrayList<>();
    List<AgentExecutor> executors = new ArrayList<>();

    ShadowLedger shadow = ShadowLedger.create(state, clock);
    ModelShadowLedger modelShadow = ModelShadowLedger.create(state, clock,
        Duration.ofDays(config.positiveLong("gateway.shadow.retention_days")));
    modelShadow.purge();
    PolicyEngine policy = keep(policyEngine(config, audit, clock, shadow, modelShadow));
    policy.start();
    checks.add(policy.admissionCheck());
    checks.add(ModelCatalog.changeCheck());
    // Registered before the first reconcile: admission needs main's policies loaded in OPA.
    listeners.add(policy.mainListener());

    // Clustered only when configured: a single node never loads Hazelcast (nor the class that uses it).
    SessionCluster cluster = config.string("cluster.enabled").equals("true") ? ClusterNode.join(config) : null;
    // Netty's native epoll transport where its library loads (Linux x86-64), the JDK's selector elsewhere.
    vertx = cluster != null ? cluster.vertx() : Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    TraceStore traces = keep(traceStore(config, identity, inventory, clock));
    traceStore = traces;
    await(traces.start());
    listeners.add(traces.mainListener());

    BudgetLedger ledger = keep(BudgetLedger.open(state, clock,
        Duration.ofMillis(config.positiveLong("budgets.persist_every_ms"))));
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ModelGateway gateway = modelGateway(config, state, identity, inventory, ledger, policy, audit, traces, clock,
        modelShadow, metrics);
    listeners.add(gateway.mainListener());
    ApprovalService approvals = keep(ApprovalService.create(state, audit, clock,
        Duration.ofSeconds(config.positiveLong("approvals.timeout_seconds"))));
    if (!config.string("approvals.webhook_url").isBlank()) {
      approvals.addHoldListener(keep(ApprovalWebhook.create(URI.create(config.string("approvals.webhook_url")))));
    }
    McpGateway mcp = keep(McpGateway.builder()
        .setVertx(vertx)
        .setIdentityService(identity)
        .setInventory(inventory)
        .setBudgetLedger(ledger)
        .setPolicyDecider(policy.decider())
        .setAuditLog(audit)
        .setSpanSink(traces.spanSink())
        .setApprovalService(approvals)
        .setShadowLedger(shadow)
        .setClock(clock)
        .setUpstreamTimeout(Duration.ofSeconds(config.positiveLong("mcp.upstream_timeout_seconds")))
        .setProgressEvery(Duration.ofSeconds(config.positiveLong("mcp.progress_every_seconds")))
        .setMaxSessions(Math.toIntExact(config.positiveLong("mcp.max_sessions")))
        .setSessionIdleTimeout(Duration.ofSeconds(config.positiveLong("mcp.session_idle_seconds")))
        .build());
    checks.add(McpServers.changeCheck());
    listeners.add(mcp.mainListener());

    executors.addAll(executors(config, identity, traces, clock));

    ChangeRequests changes = ChangeRequests.create(repo, state, audit, checks, clock);
    Reconciler reconciler = Reconciler.create(repo, changes, inventory, executors, listeners, audit, clock);
    changes.addMergeListener(merged -> reconciler.reconcile());
    SessionRouter sessions = keep(sessionRouter(config, executors, inventory, audit, ledger, approvals, traces, clock,
        cluster));
    reconciler.reconcile();
    if (!executors.isEmpty()) {
      keep(recheckExecutors(reconciler));
    }
    // Checks that errored while OPA was down (admission fails closed) re-run once it is back, and now.
    Runnable recheckErrored = () -> Thread.ofVirtual().name("recheck-errored").start(changes::recheckErrored);
    policy.onAvailable(recheckErrored);
    recheckErrored.run();

    new JvmMemoryMetrics().bindTo(metrics);
    new JvmGcMetrics().bindTo(metrics);
    new JvmThreadMetrics().bindTo(metrics);
    new ProcessorMetrics().bindTo(metrics);
    Gauge.builder("warden_agents", inventory, i -> i.list().size()).description("agents on main").register(metrics);
    // /healthz and the gauges only read these; they are computed on their own threads.
    PolledHealth policyHealth = keep(PolledHealth.start("policy", () -> health(policy.health()), HEALTH_EVERY));
    HealthIndicator traceHealth = traces; // kept current by the trace store's own thread
    Gauge.builder("warden_policy_engine_up", policyHealth, h -> h.health().isUp() ? 1 : 0)
        .description("1 while OPA answers with main's policies loaded; 0 while decisions fail closed")
        .register(metrics);
    Gauge.builder("warden_trace_store_up", traceHealth, h -> h.health().isUp() ? 1 : 0)
        .description("1 while every span store takes writes; 0 while spans wait in the write-ahead log")
        .register(metrics);
    io.warden.api.IngestRejectionMetrics.register(metrics, traces.ingestRejections());
    gatewayCounter(metrics, gateway, "warden_model_drift_events", ModelGateway::driftEventsTotal,
        "model calls whose provider reported another model or system fingerprint than the pinned one");
    gatewayCounter(metrics, gateway, "warden_model_routing_saved_usd", ModelGateway::savedUsdTotal,
        "USD spec.routing saved: what model calls would have cost unrouted and uncached minus their cost");
    gatewayCounter(metrics, gateway, "warden_model_cache_hits", ModelGateway::cacheHitsTotal,
        "model calls answered from the response cache or by an identical call in flight");
    gatewayCounter(metrics, gateway, "warden_model_escalations", ModelGateway::escalationsTotal,
        "model calls the small model passed up to the pinned model (spec.routing.escalate_on)");
    gatewayCounter(metrics, gateway, "warden_model_prompt_cache_saved_usd", ModelGateway::promptCacheSavedUsdTotal,
        "USD the providers' prompt caches saved: cached input tokens at the input minus the cache-read price");
    gatewayCounter(metrics, gateway, "warden_model_shadow_runs", ModelGateway::shadowRunsTotal,
        "model calls mirrored to a spec.shadow candidate and compared");

    ObjectMapper json = jsonMapper();
    List<ApiRoutes> routes = List.of(
        new IdentityRoutes(identity, clock),
        new AgentRoutes(inventory, reconciler, identity, traces.ingestRejections(),
            agent -> executorStatus(executors, agent)),
        new ChangeRoutes(changes),
        new AuditRoutes(audit),
        new GitRoutes(GitSmartHttp.create(repo, changes, config.positiveLong("git.max_push_bytes"))),
        new DecisionRoutes(policy.decisions(), clock),
        new TraceRoutes(traces, clock, (from, to) -> savingsByAgent(gateway, from, to)),
        new MetricsRoutes(metrics),
        new ApprovalRoutes(approvals),
        new ShadowRoutes(shadow, modelShadow, inventory),
        new SessionRoutes(sessions),
        (router, http) -> gateway.mount(router),
        (router, http) -> mcp.mount(router));
    Map<String, HealthIndicator> components = new LinkedHashMap<>();
    components.put("policy", policyHealth);
    components.put("traces", traceHealth);
    // Counting runtimes' states probes each one over HTTP: on a thread of its own, never on a request.
    PolledHealth runtimes = keep(PolledHealth.start("executors",
        () -> Health.up().withDetails(executorStates(inventory.list(), executors)), RUNTIMES_EVERY));
    HealthRoutes health = HealthRoutes.of(components).withFacts(() -> facts(inventory, runtimes));
    api = new ApiServer(config.string("http.host"), config.port("http.port"), identity, json, health, routes);
    apiDeployment = await(vertx.deployVerticle(api));
    // The console reads and acts through the same objects as the API routes above.
    ConsoleBuilder console = Console.builder()
        .setHost(config.string("http.host"))
        .setPort(config.port("console.port"))
        .setWorkDir(dataDir.resolve("console"))
        .setIdentityService(identity)
        .setInventory(inventory)
        .setRepository(repo)
        .setReconciler(reconciler)
        .setChangeRequests(changes)
        .setApprovalService(approvals)
        .setAuditLog(audit, dataDir.resolve("audit").resolve("audit.log"))
        .setTraceStore(traces)
        .setDecisionLog(policy.decisions())
        .setBudgetLedger(ledger)
        .setShadowLedger(shadow)
        .setModelGateway(gateway)
        .setClock(clock);
    components.forEach(console::addHealth);
    consolePort = keep(console.start()).port();
    log.info("Warden is up: API http://{}:{}/api/v1  git http://{}:{}/git/warden.git  console http://{}:{}/  data {}"
        + "  network transport {}", config.string("http.host"), api.port(), config.string("http.host"), api.port(),
        config.string("http.host"), consolePort, dataDir, vertx.isNativeTransportEnabled() ? "epoll" : "nio");
  }

  /**
   * Every executor adapter on the class path ({@link ServiceLoader} of {@link AgentExecutorProvider}),
   * each told where agents reach Warden: the model gateway and MCP gateway on the API port, the
   * trace store's OTLP/HTTP receiver, and scoped tokens minted by the identity service. Closed (their
   * processes stopped) before the stores.
   */
  private List<AgentExecutor> executors(WardenConfig config, IdentityService identity, TraceStore traces, Clock clock) {
    String api = "http://" + config.reachableHost("http.host") + ":" + config.port("http.port");
    AgentCredentials credentials = (agent, session, ttl) -> {
      try {
        return identity.mintForExecutor(agent, session == null ? "runtime" : session, ttl);
      } catch (WardenException e) {
        throw new ExecutorException("no token for agent " + agent + ": " + e.getMessage(), true);
      }
    };
    ExecutorContext context = new ExecutorContext(URI.create(api + "/v1"), URI.create(api + "/mcp"),
        URI.create("http://" + config.reachableHost("otlp.host") + ":" + traces.httpPort()), credentials,
        dataDir.resolve("executors"), clock);
    List<AgentExecutor> found = new ArrayList<>();
    for (AgentExecutorProvider provider : ServiceLoader.load(AgentExecutorProvider.class)) {
      found.add(keep(provider.create(context)));
    }
    log.info("executors: {}", found.stream().map(AgentExecutor::type).toList());
    return found;
  }

  /** Asks the executors about their runtimes every {@link #RECHECK_EXECUTORS_EVERY} (see Reconciler). */
  private static AutoCloseable recheckExecutors(Reconciler reconciler) {
    java.util.concurrent.ScheduledExecutorService scheduler = java.util.concurrent.Executors
        .newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("Executors_Recheck").factory());
    scheduler.scheduleWithFixedDelay(() -> {
      try {
        reconciler.recheckExecutors();
      } catch (RuntimeException e) {
        log.warn("re-checking the executors failed", e);
      }
    }, RECHECK_EXECUTORS_EVERY.toSeconds(), RECHECK_EXECUTORS_EVERY.toSeconds(), TimeUnit.SECONDS);
    return scheduler::shutdownNow;
  }

  private PolicyEngine policyEngine(WardenConfig config, AuditLog audit, Clock clock, ShadowEvidence shadow,
      ModelShadowLedger modelShadow) {
    PolicyEngineBuilder builder = PolicyEngine.builder()
        .setOpaBinary(wardenRoot().resolve(config.path("policy.opa_binary")))
        .setDataDir(dataDir.resolve("policy"))
        .setAudit(audit)
        .setClock(clock)
        .setShadowEvidence(shadow)
        .setModelShadowEvidence(modelShadow)
        .setDecisionDeadline(Duration.ofMillis(config.positiveLong("policy.decision_deadline_ms")));
    String url = config.string("policy.opa_url");
    if (url.isBlank()) {
      builder.setSidecarPort(config.port("policy.sidecar_port"));
    } else {
      builder.setExternalOpa(URI.create(url));
    }
    return builder.build();
  }

  private TraceStore traceStore(WardenConfig config, IdentityService identity, Inventory inventory, Clock clock) {
    TraceStoreBuilder builder = TraceStore.builder(dataDir)
        .setIdentityService(identity)
        .setInventory(inventory)
        .setVertx(vertx)
        .setClock(clock)
        .setHost(config.string("otlp.host"))
        .setGrpcPort(config.port("otlp.grpc_port"))
        .setHttpPort(config.port("otlp.http_port"))
        .setMaxRequestBytes(config.positiveLong("otlp.max_request_bytes"))
        .setWalMaxBytes(config.positiveLong("trace_store.wal_max_bytes"))
        .setSpanRetention(Duration.ofDays(config.positiveLong("trace_store.retention.span_days")))
        .setTextRetention(Duration.ofDays(config.positiveLong("trace_store.retention.text_days")));
    String url = config.string("trace_store.clickhouse.url");
    if (!url.isBlank()) {
      builder.setExtraStore(ClickHouseSpanStore.builder(url)
          .setUser(config.string("trace_store.clickhouse.user"))
          .setPassword(config.string("trace_store.clickhouse.password"))
          .setRetentionDays((int) config.positiveLong("trace_store.clickhouse.retention_days"))
          .build());
    }
    return builder.build();
  }

  /**
   * What the executor of {@code agent}'s {@code spec.executor.type} says of its runtime now; null
   * without {@code spec.executor}, and DEGRADED naming the type when no adapter handles it.
   */
  private static @Nullable ExecutorStatus executorStatus(List<AgentExecutor> executors, AgentState agent) {
    AgentDescriptor.Executor declared = agent.descriptor().spec().executor();
    if (declared == null) {
      return null;
    }
    return executors.stream().filter(e -> e.type().equals(declared.type())).findFirst()
        .map(e -> e.status(agent.name()))
        .orElseGet(() -> new ExecutorStatus(agent.name(), ExecutorStatus.State.DEGRADED, null,
            "no executor adapter for spec.executor.type '" + declared.type() + "' on this Warden"));
  }

  /**
   * {@code GET /api/v1/costs?group_by=agent}'s {@code savings}: per agent, over the UTC days the
   * {@code from}/{@code to} window touches (savings are kept per day).
   */
  private static Map<String, Object> savingsByAgent(ModelGateway gateway, @Nullable Instant from, @Nullable Instant to) {
    Map<String, Object> out = new TreeMap<>();
    gateway.savings(from, to).forEach((agent, s) -> {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("calls", s.calls());
      row.put("cache_hits", s.cacheHits());
      row.put("coalesced", s.coalesced());
      row.put("small_model_answers", s.smallModelAnswers());
      row.put("escalations", s.escalations());
      row.put("unrouted_usd", s.unroutedUsd());
      row.put("actual_usd", s.actualUsd());
      row.put("saved_usd", s.savedUsd());
      row.put("prompt_cache_saved_usd", s.promptCacheSavedUsd());
      out.put(agent, row);
    });
    return out;
  }

  /** The model gateway on the API port, forwarding to {@code gateway.providers.<name>}. */
  private ModelGateway modelGateway(WardenConfig config, StateStore state, IdentityService identity,
      Inventory inventory, BudgetLedger ledger, PolicyEngine policy, AuditLog audit, TraceStore traces, Clock clock,
      ModelShadowLedger modelShadow, MeterRegistry metrics) {
    ModelGatewayBuilder builder = ModelGateway.builder()
        .setVertx(vertx)
        .setIdentityService(identity)
        .setInventory(inventory)
        .setBudgetLedger(ledger)
        .setPolicyDecider(policy.decider())
        .setAuditLog(audit)
        .setSpanSink(traces.spanSink())
        .setTokenPrices(tokenPrices(traces))
        .setClock(clock)
        .setStateStore(state)
        .setModelShadowLedger(modelShadow)
        .setMeterRegistry(metrics)
        .setMaxRequestBytes(config.positiveLong("gateway.max_request_bytes"))
        .setCacheTtl(java.time.Duration.ofSeconds(config.positiveLong("gateway.cache.ttl_seconds")))
        .setCacheMaxEntries(config.positiveLong("gateway.cache.max_entries"));
    upstreamProviders(config).forEach(builder::addProvider);
    return builder.build();
  }

  /** The model providers {@code gateway.providers.<name>} configures, those with a {@code base_url}. */
  static List<UpstreamProvider> upstreamProviders(WardenConfig config) {
    List<UpstreamProvider> providers = new ArrayList<>();
    String prefix = "gateway.providers.";
    for (String key : config.asMap().keySet()) {
      if (key.startsWith(prefix) && key.endsWith(".base_url")) {
        String name = key.substring(prefix.length(), key.length() - ".base_url".length());
        String url = config.string(key);
        if (!url.isBlank()) {
          try {
            // Checked at load (ConfigValidation): true or false when set.
            boolean cacheKey = config.asMap().getOrDefault(prefix + name + ".prompt_cache_key", "false").strip()
                .equals("true");
            // Checked at load too (openai or anthropic); set for every provider (WardenConfig).
            UpstreamProvider.Api api = UpstreamProvider.Api.parse(config.string(prefix + name + ".api"));
            providers.add(new UpstreamProvider(name, URI.create(url.strip()),
                config.asMap().getOrDefault(prefix + name + ".api_key_env", "").strip(), cacheKey, api));
          } catch (IllegalArgumentException e) {
            throw new WardenException("invalid_input", "warden.yaml: " + e.getMessage());
          }
        }
      }
    }
    return providers;
  }

  /**
   * The session router on its own store file (its group-committed writes never wait behind the state
   * store's), with the executors by {@code spec.executor.type}, compute priced by {@code pricing.yaml}, and
   * the defaults of agents whose descriptors do not say from {@code warden.yaml}'s {@code sessions.*}.
   */
  private SessionRouter sessionRouter(WardenConfig config, List<AgentExecutor> executors, Inventory inventory,
      AuditLog audit, BudgetLedger ledger, ApprovalService approvals, TraceStore traces, Clock clock, SessionCluster cluster) {
    Map<String, AgentExecutor> byType = new TreeMap<>();
    executors.forEach(e -> byType.putIfAbsent(e.type(), e));
    StateStore store = keep(StateStore.open(dataDir.resolve("sessions").resolve("sessions.mv")));
    return SessionRouters.builder()
        .setStore(cluster == null ? store : cluster.sharedStore(store))
        .setOwnership(cluster == null ? SessionOwnership.SINGLE_NODE : cluster.ownership())
        .setInventory(inventory)
        .setExecutors(byType)
        .setAuditLog(audit)
        .setBudgetLedger(ledger)
        .setApprovalService(approvals)
        .setSpanSink(traces.spanSink())
        .setComputePrice((agent, time) -> traces.pricing().price(new Pricing.SpanFacts("invoke_agent", agent, "", "",
            "", 0, 0, 0, "", time.toNanos())).computeUsd())
        .setDefaultMaxConcurrency(Math.toIntExact(config.positiveLong("sessions.default_max_concurrency")))
        .setDefaultMaxQueue(Math.toIntExact(config.positiveLong("sessions.default_max_queue")))
        .setDefaultTimeout(Duration.ofSeconds(config.positiveLong("sessions.invoke_timeout_seconds")))
        .setIdempotencyRetention(Duration.ofHours(config.positiveLong("sessions.idempotency_retention_hours")))
        .setClock(clock)
        .build();
  }

  /** Token prices from the trace store's {@code pricing.yaml}, for budget estimates and settlement. */
  private static TokenPrices tokenPrices(TraceStore traces) {
    return (model, revision, in, out, cached) -> {
      Pricing p = traces.pricing();
      if (p.modelPrice(model, model, revision) == null) {
        return null;
      }
      return p.price(new Pricing.SpanFacts("chat", "", model, model, revision, in, out, cached, "", 0)).tokensUsd();
    };
  }

  /** Where the launcher lives; relative tool paths in warden.yaml are resolved against it. */
  static Path wardenRoot() {
    return Path.of(System.getProperty("warden.root", ".")).toAbsolutePath().normalize();
  }

  /** Facts for {@code /healthz} besides component health (in memory, cheap). */
  private static Map<String, Object> facts(Inventory inventory, PolledHealth runtimes) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("agents", inventory.list().size());
    m.put("applied_commit", inventory.appliedCommit());
    m.put("executors", runtimes.health().details());
    return m;
  }

  /**
   * How many agents' runtimes are in each state, of the agents with a {@code spec.executor}: a
   * runtime that is down is the agent's trouble, not the appliance's, so it is a fact beside the
   * components rather than one of them. Counts, not names: {@code /healthz} needs no credential.
   */
  private static Map<String, Integer> executorStates(List<AgentState> agents, List<AgentExecutor> executors) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (ExecutorStatus.State state : ExecutorStatus.State.values()) {
      counts.put(state.name().toLowerCase(java.util.Locale.ROOT), 0);
    }
    for (AgentState agent : agents) {
      ExecutorStatus status = executorStatus(executors, agent);
      if (status != null) {
        counts.merge(status.state().name().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
      }
    }
    return counts;
  }

  /** Registers a counter that reads one of the model gateway's running totals. */
  private static void gatewayCounter(PrometheusMeterRegistry metrics, ModelGateway gateway, String name,
      java.util.function.ToDoubleFunction<ModelGateway> total, String description) {
    io.micrometer.core.instrument.FunctionCounter.builder(name, gateway, total).description(description)
        .register(metrics);
  }

  /**
   * A component's health from its report: a {@link Health}, or a map with {@code state}
   * (the policy engine: OK, WARN, NOT_READY, ERROR) or {@code status} ("ok"/"up", "degraded",
   * "down"); the other entries become details. A policy engine that is not OK fails closed, so
   * NOT_READY and ERROR are DOWN.
   */
  static Health health(Object report) {
    if (report instanceof Health h) {
      return h;
    }
    if (!(report instanceof Map<?, ?> map)) {
      return Health.down("unreadable health report: " + report);
    }
    String state = String.valueOf(map.containsKey("state") ? map.get("state") : map.get("status"))
        .toUpperCase(java.util.Locale.ROOT);
    String message = map.get("message") == null ? "" : String.valueOf(map.get("message"));
    Map<String, Object> details = new LinkedHashMap<>();
    if (map.get("details") instanceof Map<?, ?> d) {
      d.forEach((k, v) -> details.put(String.valueOf(k), v));
    }
    map.forEach((k, v) -> {
      if (!"status".equals(k) && !"message".equals(k) && !"details".equals(k)) {
        details.put(String.valueOf(k), v);
      }
    });
    Health.State s = switch (state) {
      case "OK", "UP" -> Health.State.UP;
      case "WARN", "DEGRADED" -> Health.State.DEGRADED;
      default -> Health.State.DOWN;
    };
    return new Health(s, s == Health.State.UP ? "" : message.isEmpty() ? "state " + state : message, details);
  }

  /** The HTTP API port actually bound. */
  public int httpPort() {
    return api.port();
  }

  /** The OTLP/HTTP ingest port actually bound. */
  public int otlpHttpPort() {
    return traceStore.httpPort();
  }

  /** The console port actually bound. */
  public int consolePort() {
    return consolePort;
  }

  public Path dataDir() {
    return dataDir;
  }

  public static ObjectMapper jsonMapper() {
    return new ObjectMapper()
        .registerModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.ALWAYS);
  }

  private void writeAdminToken(IssuedSecret secret) {
    Path file = dataDir.resolve("admin-token");
    try {
      Files.deleteIfExists(file);
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, secret.secret() + "\n", StandardCharsets.UTF_8, StandardOpenOption.SYNC);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the admin token to " + file, e);
    }
    log.info("first start: created user 'admin'; its token is in {} (mode 0600). "
        + "Use it with: export WARDEN_TOKEN=$(cat {})", file, file);
  }

  private void lockDataDir() {
    Path lockFile = dataDir.resolve(".lock");
    try {
      FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        throw new WardenException("conflict", "another Warden is running on data directory " + dataDir
            + " (it holds " + lockFile + "); stop it or choose another directory with WARDEN_DATA");
      }
      closeables.add(channel);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock " + lockFile, e);
    }
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new WardenException("invalid_input", "cannot create data directory " + dir + ": " + e.getMessage());
    }
  }

  private <T extends AutoCloseable> T keep(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  private static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      log.debug("start failed", cause);
      // One line for the person starting Warden; Ports.checkFree names the setting in the usual case.
      throw new WardenException("unavailable", "cannot start: " + cause.getMessage()
          + (cause instanceof java.net.BindException ? " (a port is taken since Warden checked it: start again)" : ""));
    }
  }

  /**
   * Stops in the reverse order of start, within {@link #STOP_BUDGET}: the HTTP API first (no new
   * requests), then the trace store (receivers, then the final indexing, cut short when the budget
   * runs out), the policy engine, the repository, the audit log, the state store, the data-directory
   * lock, and Vert.x last (the components undeploy their verticles from it). Failures are one line
   * each: a stop is not a crash.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long deadline = System.nanoTime() + STOP_BUDGET.toNanos();
    int left = closeables.size() + (vertx == null ? 0 : 1);
    if (vertx != null && apiDeployment != null) {
      // Capped: Vert.x closes the API's sockets last anyway; the budget is for the stores.
      stopWithin("the HTTP API", () -> vertx.undeploy(apiDeployment).await(5, TimeUnit.SECONDS),
          Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(1)), 1);
    }
    for (int i = closeables.size() - 1; i >= 0; i--) {
      AutoCloseable c = closeables.get(i);
      stopWithin(describe(c), c::close, deadline, left--);
    }
    closeables.clear();
    if (vertx != null) {
      stopWithin("Vert.x", () -> vertx.close().await(5, TimeUnit.SECONDS), deadline, left);
    }
  }

  /**
   * Runs {@code stop} on its own thread and waits for it until {@code deadline} less what the
   * {@code left - 1} stops after it keep back; past that it goes on without it.
   */
  private static void stopWithin(String what, AutoCloseable stop, long deadline, int left) {
    long waitNanos = Math.max(deadline - System.nanoTime() - (left - 1) * STOP_RESERVE.toNanos(),
        TimeUnit.MILLISECONDS.toNanos(100));
    java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
    Thread t = Thread.ofPlatform().daemon().name("warden-stop").unstarted(() -> {
      try {
        stop.close();
      } catch (Throwable e) {
        failure.set(e);
      }
    });
    t.start();
    try {
      t.join(Duration.ofNanos(waitNanos));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (t.isAlive()) {
      log.info("{} is still stopping after {} ms; going on without it{}", what, TimeUnit.NANOSECONDS.toMillis(waitNanos),
          what.equals("the trace store") ? " (its write-ahead log keeps the spans not yet indexed for the next start)" : "");
    } else if (failure.get() != null) {
      log.warn("{} did not stop cleanly: {}", what, failure.get().toString());
      log.debug("{} stop failure", what, failure.get());
    }
  }

  private static String describe(AutoCloseable c) {
    return switch (c) {
      case TraceStore t -> "the trace store";
      case PolicyEngine p -> "the policy engine";
      case WardenRepository r -> "the governance repository";
      case AuditLog a -> "the audit log";
      case StateStore s -> "the state store";
      case FileChannel f -> "the data directory lock";
      case AgentExecutor e -> "executor " + e.type() + " (its agents' processes)";
      case Console console -> "the console";
      default -> c.getClass().getSimpleName();
    };
  }
}
