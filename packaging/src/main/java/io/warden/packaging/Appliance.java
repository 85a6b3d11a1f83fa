package io.warden.packaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.warden.core.WardenException;
import io.warden.core.audit.AuditLog;
import io.warden.core.change.ChangeCheck;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.IssuedSecret;
import io.warden.core.inventory.AgentExecutor;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.MainBranchListener;
import io.warden.core.store.StateStore;
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
import io.warden.api.AgentRoutes;
import io.warden.api.ApiRoutes;
import io.warden.api.ApiServer;
import io.warden.api.AuditRoutes;
import io.warden.api.ChangeRoutes;
import io.warden.api.DecisionRoutes;
import io.warden.api.TraceRoutes;
import io.warden.api.GitRoutes;
import io.warden.api.IdentityRoutes;
import io.warden.api.MetricsRoutes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.net.URI;
import java.time.Duration;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
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
 * </pre>
 */
public final class Appliance implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Appliance.class);

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final Path dataDir;
  private Vertx vertx;
  private ApiServer api;

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

    StateStore state = keep(StateStore.open(dataDir.resolve("state.mv")));
    AuditLog audit = keep(AuditLog.open(dataDir.resolve("audit").resolve("audit.log")));
    Inventory inventory = Inventory.create();
    IdentityService identity = IdentityService.create(
        state, audit, inventory, dataDir.resolve("keys").resolve("token-signing.key"), clock);
    identity.bootstrapAdmin().ifPresent(this::writeAdminToken);

    Map<String, byte[]> seed = new TreeMap<>(WardenRepository.defaultSeed());
    seed.putAll(PolicyEngine.seedFiles());
    seed.putAll(TraceStore.seedFiles());
    WardenRepository repo = keep(WardenRepository.open(dataDir.resolve("git").resolve("warden.git"), seed, audit));

    List<ChangeCheck> checks = new ArrayList<>(ChangeRequests.defaultChecks());
    List<MainBranchListener> listeners = new ArrayList<>();
    List<AgentExecutor> executors = new ArrayList<>();

    PolicyEngine policy = keep(policyEngine(config, audit, clock));
    policy.start();
    checks.add(policy.admissionCheck());
    // Registered before the first reconcile: admission needs main's policies loaded in OPA.
    listeners.add(policy.mainListener());

    vertx = Vertx.vertx();
    TraceStore traces = keep(traceStore(config, identity, inventory, clock));
    await(traces.start());
    listeners.add(traces.mainListener());

    ChangeRequests changes = ChangeRequests.create(repo, state, audit, checks, clock);
    Reconciler reconciler = Reconciler.create(repo, changes, inventory, executors, listeners, audit, clock);
    changes.addMergeListener(merged -> reconciler.reconcile());
    reconciler.reconcile();
    // Checks that errored while OPA was down (admission fails closed) re-run once it is back, and now.
    Runnable recheckErrored = () -> Thread.ofVirtual().name("recheck-errored").start(changes::recheckErrored);
    policy.onAvailable(recheckErrored);
    recheckErrored.run();

    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(metrics);
    new JvmGcMetrics().bindTo(metrics);
    new JvmThreadMetrics().bindTo(metrics);
    new ProcessorMetrics().bindTo(metrics);
    Gauge.builder("warden_agents", inventory, i -> i.list().size()).description("agents on main").register(metrics);
    Gauge.builder("warden_policy_engine_up", policy, p -> policyUp(p.health()) ? 1 : 0)
        .description("1 while OPA answers with main's policies loaded; 0 while decisions fail closed")
        .register(metrics);
    Gauge.builder("warden_trace_store_up", traces, t -> tracesUp(t.health().toMap()) ? 1 : 0)
        .description("1 while every span store takes writes; 0 while spans wait in the write-ahead log")
        .register(metrics);

    ObjectMapper json = jsonMapper();
    List<ApiRoutes> routes = List.of(
        new IdentityRoutes(identity, clock),
        new AgentRoutes(inventory, reconciler, identity),
        new ChangeRoutes(changes),
        new AuditRoutes(audit),
        new GitRoutes(GitSmartHttp.create(repo, changes, config.positiveLong("git.max_push_bytes"))),
        new DecisionRoutes(policy.decisions(), clock),
        new TraceRoutes(traces, clock),
        new MetricsRoutes(metrics));
    api = new ApiServer(config.string("http.host"), config.port("http.port"), identity, json,
        () -> health(inventory, policy, traces), routes);
    await(vertx.deployVerticle(api));
    log.info("Warden is up: API http://{}:{}/api/v1  git http://{}:{}/git/warden.git  data {}",
        config.string("http.host"), api.port(), config.string("http.host"), api.port(), dataDir);
  }

  private PolicyEngine policyEngine(WardenConfig config, AuditLog audit, Clock clock) {
    PolicyEngineBuilder builder = PolicyEngine.builder()
        .opaBinary(wardenRoot().resolve(config.path("policy.opa_binary")))
        .dataDir(dataDir.resolve("policy"))
        .audit(audit)
        .clock(clock)
        .decisionDeadline(Duration.ofMillis(config.positiveLong("policy.decision_deadline_ms")));
    String url = config.string("policy.opa_url");
    if (url.isBlank()) {
      builder.sidecarPort(config.port("policy.sidecar_port"));
    } else {
      builder.externalOpa(URI.create(url));
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

  /** Where the launcher lives; relative tool paths in warden.yaml are resolved against it. */
  static Path wardenRoot() {
    return Path.of(System.getProperty("warden.root", ".")).toAbsolutePath().normalize();
  }

  /**
   * Health for {@code /healthz}: "ok" while every component answers, "degraded" while one does not
   * (the API still serves; the policy engine fails closed).
   */
  private static Map<String, Object> health(Inventory inventory, PolicyEngine policy, TraceStore traces) {
    Map<String, Object> h = new LinkedHashMap<>();
    Map<String, Object> policyHealth = policy.health();
    Map<String, Object> traceHealth = traces.health().toMap();
    h.put("status", policyUp(policyHealth) && tracesUp(traceHealth) ? "ok" : "degraded");
    h.put("agents", inventory.list().size());
    h.put("applied_commit", inventory.appliedCommit());
    h.put("policy", policyHealth);
    h.put("traces", traceHealth);
    return h;
  }

  /** OPA answers with main's policies loaded (otherwise decisions fail closed). */
  private static boolean policyUp(Map<String, Object> policyHealth) {
    return "OK".equals(String.valueOf(policyHealth.get("state")));
  }

  /** Every span store takes writes (otherwise spans wait in the write-ahead log). */
  private static boolean tracesUp(Map<String, Object> traceHealth) {
    return "ok".equals(String.valueOf(traceHealth.get("status")));
  }

  /** The HTTP API port actually bound. */
  public int httpPort() {
    return api.port();
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
      throw new IllegalStateException("cannot start: " + cause.getMessage(), cause);
    }
  }

  @Override
  public void close() {
    if (vertx != null) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("vert.x did not stop cleanly", e);
      }
    }
    for (int i = closeables.size() - 1; i >= 0; i--) {
      try {
        closeables.get(i).close();
      } catch (Exception e) {
        log.warn("error while closing {}", closeables.get(i), e);
      }
    }
    closeables.clear();
  }
}
