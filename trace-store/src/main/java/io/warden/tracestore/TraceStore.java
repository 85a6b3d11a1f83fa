package io.warden.tracestore;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.warden.core.WardenException;
import io.warden.core.health.Health;
import io.warden.core.health.HealthIndicator;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.MainBranchListener;
import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanStore;
import io.warden.tracestore.internal.otlp.Authenticator;
import io.warden.tracestore.internal.ingest.IngestBatch;
import io.warden.tracestore.internal.ingest.IngestPipeline;
import io.warden.tracestore.internal.assembly.LogicalTraceAssembler;
import io.warden.tracestore.internal.assembly.LogicalTraceHints;
import io.warden.tracestore.internal.ingest.ProviderCalls;
import io.warden.tracestore.internal.otlp.OtlpGrpcReceiver;
import io.warden.tracestore.internal.otlp.OtlpHttpReceiver;
import io.warden.tracestore.internal.ingest.SpanMapper;
import io.warden.tracestore.internal.wal.StoreApplier;
import io.warden.tracestore.internal.wal.WriteAheadLog;
import io.warden.tracestore.lucene.LuceneSpanStore;
import io.warden.tracestore.pricing.Pricing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warden's data plane for agent telemetry: OTLP receivers (gRPC and HTTP), a write-ahead log that
 * makes every acknowledged span survive a crash, the Lucene index (full-text search, structured
 * queries, cost roll-ups) plus an optional second store such as ClickHouse, logical trace assembly
 * across sub-agent traces, and per-span pricing from {@code pricing.yaml}.
 *
 * <p>Layout under the data directory: {@code traces/wal/} (log segments and per-store checkpoints)
 * and {@code traces/lucene/} (the index).
 *
 * <p>Query methods block (Lucene I/O): call them off the event loop. {@link #health()} never
 * blocks: a thread of the store keeps it current.
 */
public final class TraceStore implements AutoCloseable, HealthIndicator {
  private static final Logger LOG = LoggerFactory.getLogger(TraceStore.class);
  /** A store more than this many log entries behind makes health DEGRADED. */
  private static final long LAG_DEGRADED_ENTRIES = 10_000;
  /** How often the health thread recomputes {@link #health()}. */
  static final long HEALTH_EVERY_MILLIS = 500;

  private final TraceStoreBuilder options;
  private final AtomicReference<Pricing> pricing = new AtomicReference<>();
  private final AtomicReference<String> pricingProblem = new AtomicReference<>("");
  private final AtomicInteger httpPort = new AtomicInteger();
  private final AtomicInteger grpcPort = new AtomicInteger();
  private final List<StoreApplier> appliers = new ArrayList<>();
  private volatile List<StoreApplier> liveAppliers = List.of();
  private LuceneSpanStore lucene;
  private WriteAheadLog wal;
  private IngestPipeline pipeline;
  private final IngestRejections ingestRejections;
  /** Prices each provider call once, for ingested spans and the gateway's alike. */
  private final ProviderCalls providerCalls = new ProviderCalls(SpanMapper.PROVIDER_CALL_KEYS);
  private LogicalTraceAssembler assembler;
  private ScheduledExecutorService maintenance;
  private ScheduledExecutorService healthUpdater;
  private volatile Health health = Health.down("trace store not started");
  private Vertx vertx;
  private boolean ownVertx;
  private final List<String> deployments = new ArrayList<>();
  private volatile boolean started;
  private volatile boolean closed;

  TraceStore(TraceStoreBuilder options) {
    this.options = options;
    this.ingestRejections = IngestRejections.create(options.clock);
    this.pricing.set(Pricing.parse(Pricing.FILE + " (built-in seed)", Pricing.seedYaml()));
  }

  /** A builder for a store keeping its files under {@code dataDir/traces}. */
  public static TraceStoreBuilder builder(Path dataDir) {
    return new TraceStoreBuilder(dataDir);
  }

  /** Files a new Warden repository starts with: {@code pricing.yaml}. */
  public static Map<String, byte[]> seedFiles() {
    return Map.of(Pricing.FILE, Pricing.seedYaml());
  }

  /**
   * Opens the log and the stores, replays what the stores had not committed, and starts the
   * receivers. The future fails if a port cannot be bound.
   */
  public synchronized Future<Void> start() {
    if (started) {
      return Future.failedFuture(new IllegalStateException("trace store already started"));
    }
    started = true;
    try {
      Path traces = options.dataDir.resolve("traces");
      Path walDir = traces.resolve("wal");
      Files.createDirectories(walDir);
      lucene = LuceneSpanStore.open(traces.resolve("lucene"));
      wal = WriteAheadLog.open(walDir, options.walSegmentBytes, options.maxPendingBytes, options.walMaxBytes,
          (seq, attachment) -> {
            for (StoreApplier a : liveAppliers) {
              a.offer(seq, (IngestBatch.Encoded) attachment);
            }
          });
      Path luceneCheckpoint = walDir.resolve(lucene.name() + ".checkpoint");
      for (String previous : LuceneSpanStore.PREVIOUS_NAMES) { // newest first
        Path previousCheckpoint = walDir.resolve(previous + ".checkpoint");
        if (Files.exists(previousCheckpoint) && !Files.exists(luceneCheckpoint)) {
          // The index, copied or opened as it is, holds every span the old layout had committed: its
          // checkpoint carries over.
          Files.move(previousCheckpoint, luceneCheckpoint, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
      }
      appliers.add(new StoreApplier(lucene, wal, luceneCheckpoint, options.luceneCommitEvery, this::releaseWal));
      if (options.extraStore != null) {
        appliers.add(new StoreApplier(options.extraStore, wal,
            walDir.resolve(options.extraStore.name() + ".checkpoint"), java.time.Duration.ofSeconds(1),
            this::releaseWal));
      }
      liveAppliers = List.copyOf(appliers);
      appliers.forEach(StoreApplier::start);
      assembler = new LogicalTraceAssembler(lucene, options.maxLogicalTraceSpans);
      Inventory inventory = options.inventory;
      SpanMapper mapper = new SpanMapper(name -> inventory.get(name).isPresent(), pricing::get,
          new LogicalTraceHints(100_000), ingestRejections, providerCalls);
      Authenticator auth = options.authenticator != null ? options.authenticator : options.identity::authenticate;
      pipeline = new IngestPipeline(auth, mapper, wal, options.maxRequestBytes, options.ingestThreads,
          options.maxQueuedRequests, options.clock);
      maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "TraceStore_Retention");
        t.setDaemon(true);
        return t;
      });
      long every = options.retentionCheckEvery.toMillis();
      maintenance.scheduleWithFixedDelay(this::enforceRetentionQuietly, Math.min(every, 60_000), every,
          TimeUnit.MILLISECONDS);
      // Its own thread: a long retention run must not leave health stale.
      healthUpdater = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "TraceStore_Health");
        t.setDaemon(true);
        return t;
      });
      healthUpdater.scheduleWithFixedDelay(this::refreshHealthQuietly, HEALTH_EVERY_MILLIS, HEALTH_EVERY_MILLIS,
          TimeUnit.MILLISECONDS);
    } catch (IOException | RuntimeException e) {
      close();
      return Future.failedFuture(e instanceof IOException io ? new UncheckedIOException(io) : e);
    }
    ownVertx = options.vertx == null;
    vertx = ownVertx ? Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)) : options.vertx;
    int cores = Runtime.getRuntime().availableProcessors();
    Future<String> http = vertx.deployVerticle(
        () -> new OtlpHttpReceiver(options.host, options.httpPort, pipeline, httpPort),
        new DeploymentOptions().setInstances(options.httpPort == 0 ? 1 : cores));
    Future<String> grpc = vertx.deployVerticle(
        () -> new OtlpGrpcReceiver(options.host, options.grpcPort, pipeline, grpcPort),
        new DeploymentOptions().setInstances(options.grpcPort == 0 ? 1 : cores));
    Promise<Void> ready = Promise.promise();
    Future.all(http, grpc).onComplete(all -> {
      if (all.succeeded()) {
        deployments.add(http.result());
        deployments.add(grpc.result());
        LOG.info("OTLP receivers listening: gRPC {}:{}, HTTP {}:{}", options.host, grpcPort.get(), options.host,
            httpPort.get());
        refreshHealth();
        ready.complete();
        return;
      }
      // This runs on an event loop; closing blocks (undeploy, the appliers' final commit), so it
      // runs on a thread of its own and the future fails once everything is closed.
      Throwable cause = all.cause();
      for (Future<String> f : List.of(http, grpc)) {
        if (f.succeeded()) {
          deployments.add(f.result());
        }
      }
      Thread.ofPlatform().daemon(true).name("TraceStore_FailedStart").start(() -> {
        try {
          close();
        } finally {
          ready.fail(cause);
        }
      });
    });
    return ready.future();
  }

  private void releaseWal() {
    long min = Long.MAX_VALUE;
    for (StoreApplier a : liveAppliers) {
      min = Math.min(min, a.committedSeq());
    }
    if (min != Long.MAX_VALUE && wal != null) {
      wal.releaseUpTo(min);
    }
  }

  /** The bound OTLP/HTTP port (useful with port 0). */
  /** What ingest rejected per agent and reason (counts, the last rejections), kept in memory. */
  public IngestRejections ingestRejections() {
    return ingestRejections;
  }

  public int httpPort() {
    return httpPort.get();
  }

  /** The bound OTLP/gRPC port (useful with port 0). */
  public int grpcPort() {
    return grpcPort.get();
  }

  /**
   * Takes spans made inside this JVM (the model gateway's GenAI spans) through the write-ahead log
   * into every store, like ingested spans. They arrive priced and attributed: no mapping is applied.
   */
  public io.warden.core.trace.SpanSink spanSink() {
    return span -> {
      IngestBatch batch = new IngestBatch(List.of(providerCalls.priceOnce(span)), List.of());
      try {
        IngestBatch.Encoded entry = batch.encoded();
        return wal.append(entry.payload(), entry).thenApply(seq -> null);
      } catch (RuntimeException e) {
        return java.util.concurrent.CompletableFuture.failedFuture(e);
      }
    };
  }

  /** The prices spans are priced with now. */
  public Pricing pricing() {
    return pricing.get();
  }

  /** Reloads {@code pricing.yaml} whenever reconcile applies a new {@code main}. */
  public MainBranchListener mainListener() {
    return this::onMainChanged;
  }

  private void onMainChanged(RepoSnapshot main) {
    byte[] file = main.files().get(Pricing.FILE);
    if (file == null) {
      pricing.set(Pricing.none());
      pricingProblem.set(Pricing.FILE + " is missing on main (" + shortCommit(main.commit())
          + "): spans are priced at 0 until it is restored");
      LOG.warn("{} missing on main {}; spans are priced at 0", Pricing.FILE, main.commit());
      return;
    }
    Pricing parsed;
    try {
      parsed = Pricing.parse(Pricing.FILE, file);
    } catch (WardenException e) {
      pricingProblem.set("invalid " + Pricing.FILE + " on main (" + shortCommit(main.commit())
          + "), still using the previous prices: " + e.getMessage());
      throw e;
    }
    pricing.set(parsed);
    pricingProblem.set("");
    LOG.info("prices reloaded from {} at {}", Pricing.FILE, shortCommit(main.commit()));
  }

  private static String shortCommit(String commit) {
    return commit.length() > 12 ? commit.substring(0, 12) : commit;
  }

  private void requireStarted() {
    if (lucene == null || closed) {
      throw new WardenException("unavailable", "the trace store is not running");
    }
  }

  /**
   * Searches spans: Lucene query syntax in {@code query.text()} plus structured filters, newest
   * first, with highlights.
   *
   * @throws WardenException {@code invalid_input} for a malformed query, naming the column
   */
  public SearchPage search(SpanQuery query) throws IOException {
    Objects.requireNonNull(query, "query");
    requireStarted();
    return lucene.search(query, true);
  }

  /** Every span of one OpenTelemetry trace, oldest first; {@code not_found} when there is none. */
  public List<SpanRecord> trace(String traceId) throws IOException {
    requireStarted();
    String id = traceId(traceId, "trace id");
    List<SpanRecord> spans = lucene.trace(id);
    if (spans.isEmpty()) {
      throw WardenException.notFound("no spans for trace " + id);
    }
    return spans;
  }

  /**
   * The logical trace containing {@code id} (a logical trace id, or the trace id of any of its
   * traces); {@code not_found} when there is none.
   */
  public LogicalTrace logicalTrace(String id) throws IOException {
    requireStarted();
    String tid = traceId(id, "logical trace id");
    Optional<LogicalTrace> t = assembler.assemble(tid);
    return t.orElseThrow(() -> WardenException.notFound("no spans for logical trace " + tid));
  }

  private static String traceId(String id, String what) {
    String t = id == null ? "" : id.strip().toLowerCase(Locale.ROOT);
    if (!t.matches("[0-9a-f]{32}")) {
      throw WardenException.invalid("invalid " + what + " '" + id + "': expected 32 hex characters");
    }
    return t;
  }

  /**
   * Cost over [from, to) grouped by {@code agent}, {@code model}, {@code tool} or {@code day}:
   * tokens, actions and compute, highest total first.
   */
  public List<SpanStore.CostRow> costs(String groupBy, Instant from, Instant to) throws Exception {
    requireStarted();
    if (from != null && to != null && !from.isBefore(to)) {
      throw WardenException.invalid("from (" + from + ") must be before to (" + to + ")");
    }
    SpanStore.CostGroup group = SpanStore.CostGroup.parse(groupBy);
    SpanStore extra = options.extraStore;
    // The applier's last look at the store, not a ping of our own: this may be a request thread.
    if (extra != null && liveAppliers.stream().anyMatch(a -> a.store() == extra && a.storeHealthy())) {
      try {
        return extra.costs(group, from, to);
      } catch (WardenException e) {
        throw e;
      } catch (Exception e) {
        LOG.warn("cost query on {} failed; answering from the Lucene index", extra.name(), e);
      }
    }
    return lucene.costs(group, from, to);
  }

  /** Runs retention now: drops spans older than the span retention and text older than the text one. */
  public SpanStore.Retained enforceRetention() throws IOException {
    requireStarted();
    Instant now = options.clock.instant();
    SpanStore.Retained r = lucene.enforceRetention(now.minus(options.spanRetention), now.minus(options.textRetention));
    if (r.deletedSpans() > 0 || r.strippedTexts() > 0) {
      LOG.info("retention: deleted {} spans, removed the text of {} spans", r.deletedSpans(), r.strippedTexts());
    }
    return r;
  }

  private void enforceRetentionQuietly() {
    try {
      enforceRetention();
    } catch (Exception e) {
      LOG.warn("enforcing trace retention failed", e);
    }
  }

  /**
   * The last health the store's own thread computed (every {@value #HEALTH_EVERY_MILLIS} ms): UP, or
   * DEGRADED with the reason (a store down or behind, so spans wait in the write-ahead log; pricing
   * invalid), or DOWN (not started, failed to start, or closed). Never blocks, never does I/O.
   */
  @Override
  public Health health() {
    return health;
  }

  /**
   * Computes the health now from what the log, the appliers and the pipeline hold in memory (no
   * I/O: each store's availability is its applier's last look), stores and returns it.
   */
  public Health refreshHealth() {
    Health h = computeHealth();
    health = h;
    return h;
  }

  private void refreshHealthQuietly() {
    try {
      refreshHealth();
    } catch (RuntimeException e) {
      LOG.warn("computing the trace store's health failed", e);
    }
  }

  private Health computeHealth() {
    if (closed) {
      return Health.down("trace store closed");
    }
    if (!started || wal == null || pipeline == null) {
      return Health.down("trace store not started");
    }
    Map<String, Object> details = new LinkedHashMap<>();
    long durable = wal.durableSeq();
    details.put("wal_bytes", wal.diskBytes());
    details.put("wal_segments", wal.segmentCount());
    details.put("wal_last_entry", durable);
    List<String> problems = new ArrayList<>();
    Map<String, Object> stores = new LinkedHashMap<>();
    for (StoreApplier a : liveAppliers) {
      Map<String, Object> s = new LinkedHashMap<>();
      long lag = durable - a.appliedSeq();
      boolean up = a.storeHealthy();
      s.put("applied_entry", a.appliedSeq());
      s.put("committed_entry", a.committedSeq());
      s.put("lag_entries", lag);
      s.put("healthy", up);
      if (!a.problem().isEmpty()) {
        s.put("problem", a.problem());
        problems.add(a.problem());
      } else if (!up) {
        problems.add("store " + a.store().name() + " is unavailable; spans wait in the write-ahead log");
      } else if (lag > LAG_DEGRADED_ENTRIES) {
        problems.add("store " + a.store().name() + " is " + lag + " batches behind ingest");
      }
      stores.put(a.store().name(), s);
    }
    details.put("stores", stores);
    details.put("accepted_items", pipeline.acceptedSpans());
    details.put("rejected_items", pipeline.rejectedSpans());
    details.put("queued_requests", pipeline.queuedRequests());
    details.put("pricing", pricing.get().source());
    details.put("otlp_http_port", httpPort.get());
    details.put("otlp_grpc_port", grpcPort.get());
    if (!pricingProblem.get().isEmpty()) {
      problems.add(pricingProblem.get());
    }
    return (problems.isEmpty() ? Health.up() : Health.degraded(String.join("; ", problems))).withDetails(details);
  }

  /**
   * Stops the receivers, lets the stores apply and commit what the log holds, and closes
   * everything. Spans a store could not take stay in the log for the next start.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    health = Health.down("trace store closed");
    if (healthUpdater != null) {
      healthUpdater.shutdownNow();
    }
    if (vertx != null) {
      for (String d : deployments) {
        try {
          vertx.undeploy(d).await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          LOG.warn("stopping an OTLP receiver", e);
        }
      }
      if (ownVertx) {
        try {
          vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          LOG.warn("closing Vert.x", e);
        }
      }
    }
    if (pipeline != null) {
      pipeline.close();
    }
    if (maintenance != null) {
      maintenance.shutdownNow();
    }
    if (wal != null) {
      wal.close();
    }
    for (StoreApplier a : appliers) {
      a.close();
    }
    releaseWal();
    if (lucene != null) {
      lucene.close();
    }
    if (options.extraStore != null) {
      options.extraStore.close();
    }
  }

  // Visible for testing.
  LuceneSpanStore lucene() {
    return lucene;
  }
}
