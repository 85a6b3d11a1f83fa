package io.warden.tracestore.internal.ingest;

import io.warden.tracestore.internal.otlp.Authenticator;
import io.warden.tracestore.internal.otlp.MalformedException;
import io.warden.tracestore.internal.otlp.OtlpJson;
import io.warden.tracestore.internal.wal.WriteAheadLog;
import io.warden.core.trace.SpanText;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.warden.core.WardenException;
import io.warden.core.identity.AgentPrincipal;
import io.warden.core.identity.Principal;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.trace.SpanRecord;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The transport-independent half of ingest, shared by the OTLP/HTTP and OTLP/gRPC receivers: on a
 * bounded worker pool it authenticates the caller, decompresses and decodes the body, maps and
 * prices the spans, and appends the accepted ones to the write-ahead log. The returned future
 * completes only when the log entry is fsynced, so an acknowledgement means durable.
 *
 * <p>Internal: not public API.
 */
public final class IngestPipeline implements AutoCloseable {
  /** Signal kinds. */
  public enum Signal { TRACES, LOGS }

  /** Body encodings. */
  public enum Format { PROTOBUF, JSON }

  /** What the receiver answers on success: how many items were rejected and why. */
  public record Outcome(long accepted, long rejected, String message) {}

  private static final long AUTH_CACHE_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final int AUTH_CACHE_MAX = 10_000;

  private final Authenticator authenticator;
  private final SpanMapper mapper;
  private final WriteAheadLog wal;
  private final long maxBodyBytes;
  private final ThreadPoolExecutor workers;
  private final Clock clock;
  private final Map<String, CachedPrincipal> authCache = new ConcurrentHashMap<>();
  private final AtomicLong acceptedSpans = new AtomicLong();
  private final AtomicLong rejectedSpans = new AtomicLong();

  private record CachedPrincipal(Principal principal, long expiresNanos) {}

  public IngestPipeline(Authenticator authenticator, SpanMapper mapper, WriteAheadLog wal, long maxBodyBytes,
      int workerThreads, int maxQueuedRequests, Clock clock) {
    this.authenticator = authenticator;
    this.mapper = mapper;
    this.wal = wal;
    this.maxBodyBytes = maxBodyBytes;
    this.clock = clock;
    AtomicInteger n = new AtomicInteger();
    this.workers = new ThreadPoolExecutor(workerThreads, workerThreads, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(maxQueuedRequests), r -> {
          Thread t = new Thread(r, "TraceStore_Ingest-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  public long maxBodyBytes() {
    return maxBodyBytes;
  }

  public long acceptedSpans() {
    return acceptedSpans.get();
  }

  public long rejectedSpans() {
    return rejectedSpans.get();
  }

  /**
   * Handles one export request. The future fails with {@link WardenException} ({@code unauthorized},
   * {@code forbidden}, {@code too_large}), {@link MalformedException}, or {@link Backpressure}.
   *
   * @param gzip whether the body is gzip-compressed
   * @param source the client address, for failed-authentication accounting
   */
  public CompletableFuture<Outcome> export(Signal signal, Format format, byte[] body, boolean gzip, String bearer,
      String source) {
    CompletableFuture<Outcome> result = new CompletableFuture<>();
    try {
      workers.execute(() -> {
        try {
          process(signal, format, body, gzip, bearer, source, result);
        } catch (Throwable t) {
          result.completeExceptionally(t);
        }
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(new Backpressure(
          "ingest queue full (" + workers.getQueue().size() + " requests waiting); retry later", 1));
    }
    return result;
  }

  private void process(Signal signal, Format format, byte[] body, boolean gzip, String bearer, String source,
      CompletableFuture<Outcome> result) {
    Caller caller = caller(principal(bearer, source));
    byte[] raw = gzip ? gunzip(body) : body;
    IngestBatch batch;
    SpanMapper.Result<?> mapped;
    if (signal == Signal.TRACES) {
      SpanMapper.Result<SpanRecord> r = mapper.mapTraces(
          decode(format, raw, ExportTraceServiceRequest.newBuilder()), caller);
      mapped = r;
      batch = new IngestBatch(r.accepted(), List.of());
    } else {
      SpanMapper.Result<SpanText> r = mapper.mapLogs(
          decode(format, raw, ExportLogsServiceRequest.newBuilder()), caller);
      mapped = r;
      batch = new IngestBatch(List.of(), r.accepted());
    }
    Outcome outcome = new Outcome(mapped.accepted().size(), mapped.rejected(), mapped.message());
    rejectedSpans.addAndGet(mapped.rejected());
    if (batch.isEmpty()) {
      result.complete(outcome);
      return;
    }
    IngestBatch.Encoded entry = batch.encoded();
    wal.append(entry.payload(), entry).whenComplete((seq, err) -> {
      if (err != null) {
        result.completeExceptionally(err);
      } else {
        acceptedSpans.addAndGet(outcome.accepted());
        result.complete(outcome);
      }
    });
  }

  /** Decodes a protobuf or OTLP/JSON body into the message {@code builder} builds. */
  @SuppressWarnings("unchecked")
  private static <M extends com.google.protobuf.Message> M decode(Format format, byte[] raw,
      com.google.protobuf.Message.Builder builder) {
    if (format == Format.PROTOBUF) {
      try {
        builder.mergeFrom(raw);
      } catch (InvalidProtocolBufferException e) {
        throw new MalformedException("malformed protobuf body (" + builder.getDescriptorForType().getName() + "): "
            + e.getMessage());
      }
    } else {
      OtlpJson.parse(raw, builder);
    }
    return (M) builder.build();
  }

  private Principal principal(String bearer, String source) {
    if (bearer == null || bearer.isBlank()) {
      throw new WardenException("unauthorized",
          "missing credential: send 'Authorization: Bearer <agent credential or ingest token>'");
    }
    String key = digest(bearer);
    long now = System.nanoTime();
    CachedPrincipal cached = authCache.get(key);
    if (cached != null && now - cached.expiresNanos < 0) {
      return cached.principal;
    }
    Principal p = authenticator.authenticate(bearer, source);
    if (authCache.size() >= AUTH_CACHE_MAX) {
      authCache.clear();
    }
    authCache.put(key, new CachedPrincipal(p, now + AUTH_CACHE_NANOS));
    return p;
  }

  private Caller caller(Principal p) {
    if (p instanceof AgentPrincipal a) {
      if (a.scope() != null && a.scope().expiresAt().isBefore(clock.instant())) {
        throw new WardenException("unauthorized", "the scoped token of agent '" + a.name() + "' has expired");
      }
      return a.scope() == null ? Caller.agent(a.name(), List.of())
          : Caller.agent(a.name(), a.scope().delegationChain(), a.scope().delegationHops());
    }
    UserPrincipal u = (UserPrincipal) p;
    if (!u.has(Role.AUTHOR)) {
      throw WardenException.forbidden("ingest needs an agent credential or a token of a user with role author "
          + "or above; " + u.name() + " has " + u.role().wireName());
    }
    return Caller.collector(u.name());
  }

  private static String digest(String secret) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private byte[] gunzip(byte[] body) {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      byte[] out = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
      if (out.length > maxBodyBytes) {
        throw new WardenException("too_large", "decompressed body over " + maxBodyBytes + " bytes");
      }
      return out;
    } catch (ZipException e) {
      throw new MalformedException("malformed gzip body: " + e.getMessage());
    } catch (IOException e) {
      throw new MalformedException("unreadable gzip body: " + e.getMessage());
    }
  }

  /** Requests waiting for a worker. */
  public int queuedRequests() {
    return workers.getQueue().size();
  }

  @Override
  public void close() {
    workers.shutdown();
    try {
      workers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
