package io.warden.tracestore;

import io.vertx.core.Vertx;
import io.warden.core.identity.IdentityService;
import io.warden.core.inventory.Inventory;
import io.warden.core.trace.SpanStore;
import io.warden.tracestore.internal.otlp.Authenticator;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Builds a {@link TraceStore}. Required: the data directory, the inventory, and the identity
 * service (or, in tests, an authenticator). Every other option has a default that works on one
 * machine.
 */
public final class TraceStoreBuilder {
  /** Default OTLP/gRPC port: {@value}. */
  public static final int DEFAULT_GRPC_PORT = 4317;
  /** Default OTLP/HTTP port: {@value}. */
  public static final int DEFAULT_HTTP_PORT = 4318;
  /** Default host the receivers bind: {@value}. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** Default largest export request body, also after decompression: {@value} bytes. */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 16L << 20;
  /** Default most bytes the write-ahead log may hold before ingest answers 429: {@value}. */
  public static final long DEFAULT_WAL_MAX_BYTES = 4L << 30;
  /** Default span retention: 30 days. */
  public static final Duration DEFAULT_SPAN_RETENTION = Duration.ofDays(30);
  /** Default retention of span text (prompts, completions, tool arguments): 14 days. */
  public static final Duration DEFAULT_TEXT_RETENTION = Duration.ofDays(14);

  final Path dataDir;
  IdentityService identity;
  Authenticator authenticator;
  Inventory inventory;
  String host = DEFAULT_HOST;
  int grpcPort = DEFAULT_GRPC_PORT;
  int httpPort = DEFAULT_HTTP_PORT;
  SpanStore extraStore;
  Clock clock = Clock.systemUTC();
  Vertx vertx;
  long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
  long walMaxBytes = DEFAULT_WAL_MAX_BYTES;
  long walSegmentBytes = 64L << 20;
  long maxPendingBytes = 256L << 20;
  int ingestThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
  int maxQueuedRequests = 1024;
  Duration spanRetention = DEFAULT_SPAN_RETENTION;
  Duration textRetention = DEFAULT_TEXT_RETENTION;
  Duration retentionCheckEvery = Duration.ofHours(1);
  Duration luceneCommitEvery = Duration.ofSeconds(5);
  int maxLogicalTraceSpans = 10_000;

  TraceStoreBuilder(Path dataDir) {
    this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
  }

  /** Authenticates ingest: agent credentials, scoped agent tokens, and users' ingest tokens. */
  public TraceStoreBuilder setIdentityService(IdentityService identity) {
    this.identity = Objects.requireNonNull(identity, "identity");
    return this;
  }

  // Visible for testing: authenticate without an IdentityService.
  TraceStoreBuilder setAuthenticator(Authenticator authenticator) {
    this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
    return this;
  }

  /** The agents spans may be attributed to. */
  public TraceStoreBuilder setInventory(Inventory inventory) {
    this.inventory = Objects.requireNonNull(inventory, "inventory");
    return this;
  }

  /** Host the OTLP receivers bind (default {@value #DEFAULT_HOST}). */
  public TraceStoreBuilder setHost(String host) {
    this.host = Objects.requireNonNull(host, "host");
    return this;
  }

  /** OTLP/gRPC port (default {@value #DEFAULT_GRPC_PORT}; 0 picks a free port). */
  public TraceStoreBuilder setGrpcPort(int port) {
    checkPort(port, "grpc port");
    this.grpcPort = port;
    return this;
  }

  /** OTLP/HTTP port (default {@value #DEFAULT_HTTP_PORT}; 0 picks a free port). */
  public TraceStoreBuilder setHttpPort(int port) {
    checkPort(port, "http port");
    this.httpPort = port;
    return this;
  }

  private static void checkPort(int port, String what) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(what + " must be 0..65535, got " + port);
    }
  }

  /** A second store that receives every span too, such as ClickHouse; Lucene stays the text index. */
  public TraceStoreBuilder setExtraStore(SpanStore store) {
    this.extraStore = Objects.requireNonNull(store, "store");
    return this;
  }

  public TraceStoreBuilder setClock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** Runs the receivers on this Vert.x instead of one of the store's own. */
  public TraceStoreBuilder setVertx(Vertx vertx) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    return this;
  }

  /** Largest export request, compressed or not (default {@value #DEFAULT_MAX_REQUEST_BYTES}). */
  public TraceStoreBuilder setMaxRequestBytes(long bytes) {
    if (bytes < 1024) {
      throw new IllegalArgumentException("max request bytes must be at least 1024, got " + bytes);
    }
    this.maxRequestBytes = bytes;
    return this;
  }

  /** Most bytes the write-ahead log holds before ingest answers 429 (default 4 GiB). */
  public TraceStoreBuilder setWalMaxBytes(long bytes) {
    if (bytes < 1 << 20) {
      throw new IllegalArgumentException("write-ahead log max bytes must be at least 1 MiB, got " + bytes);
    }
    this.walMaxBytes = bytes;
    return this;
  }

  // Visible for testing: small segments exercise segment deletion.
  TraceStoreBuilder setWalSegmentBytes(long bytes) {
    this.walSegmentBytes = bytes;
    return this;
  }

  /** Ingest worker threads (default: the number of processors, at least 2). */
  public TraceStoreBuilder setIngestThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("ingest threads must be positive, got " + threads);
    }
    this.ingestThreads = threads;
    return this;
  }

  /** Export requests that may wait for a worker before ingest answers 429 (default 1024). */
  public TraceStoreBuilder setMaxQueuedRequests(int requests) {
    if (requests < 1) {
      throw new IllegalArgumentException("max queued requests must be positive, got " + requests);
    }
    this.maxQueuedRequests = requests;
    return this;
  }

  /** How long spans are kept (default 30 days). */
  public TraceStoreBuilder setSpanRetention(Duration retention) {
    this.spanRetention = positive(retention, "span retention");
    return this;
  }

  /** How long span text (prompts, completions, tool arguments) is kept (default 14 days). */
  public TraceStoreBuilder setTextRetention(Duration retention) {
    this.textRetention = positive(retention, "text retention");
    return this;
  }

  /** How often retention is enforced (default hourly). */
  public TraceStoreBuilder setRetentionCheckEvery(Duration every) {
    this.retentionCheckEvery = positive(every, "retention check period");
    return this;
  }

  /** How often the Lucene index commits, letting the write-ahead log shrink (default 5 s). */
  public TraceStoreBuilder setLuceneCommitEvery(Duration every) {
    this.luceneCommitEvery = positive(every, "lucene commit period");
    return this;
  }

  private static Duration positive(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }

  /** Checks the options together and builds the (not yet started) store. */
  public TraceStore build() {
    if (identity == null && authenticator == null) {
      throw new IllegalStateException("identity service not set: call setIdentityService(...)");
    }
    if (inventory == null) {
      throw new IllegalStateException("inventory not set: call setInventory(...)");
    }
    if (textRetention.compareTo(spanRetention) > 0) {
      throw new IllegalStateException("text retention (" + textRetention + ") must not exceed span retention ("
          + spanRetention + ")");
    }
    if (maxRequestBytes > walMaxBytes) {
      throw new IllegalStateException("max request bytes (" + maxRequestBytes
          + ") must not exceed the write-ahead log max bytes (" + walMaxBytes + ")");
    }
    return new TraceStore(this);
  }
}
