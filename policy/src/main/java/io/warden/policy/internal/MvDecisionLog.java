package io.warden.policy.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.warden.core.policy.DecisionInput;
import io.warden.core.policy.PolicyDecision;
import io.warden.policy.DecisionLog;
import io.warden.policy.DecisionQuery;
import io.warden.policy.DecisionRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.type.StringDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision log in its own H2 MVStore file ({@code <data>/policy/decisions.mv.db}).
 *
 * <p><b>Group commit.</b> {@link #record} only enqueues (bounded queue; a decision waits at most
 * {@value #ENQUEUE_WAIT_MS} ms for room, else it is refused and the decider denies). One writer
 * thread takes everything queued, writes it, commits and fsyncs, then takes the next batch: under
 * load a batch holds many decisions for one fsync. A decision is on disk a few milliseconds after it
 * was made (at most one batch plus one fsync; the writer wakes at least every sync interval, 100 ms
 * by default); a {@code kill -9} loses at most the batch not yet synced. MVStore's own background
 * commit is off, so each commit is a whole batch.
 *
 * <p><b>Layout.</b> Map {@code decisions}: key {@code <epoch-ms, 13 digits>-<seq, 12 digits>}
 * (time order) to the record as JSON; map {@code by_agent}: {@code <agent>\0<key>} to "" (an index
 * for per-agent queries); map {@code meta}: the last sequence number. Decisions older than the
 * retention are removed hourly.
 *
 * <p>Internal: not public API.
 */
public final class MvDecisionLog implements DecisionLog, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MvDecisionLog.class);

  static final int ENQUEUE_WAIT_MS = 100;
  private static final int QUEUE_CAPACITY = 65_536;
  private static final int MAX_BATCH = 8_192;
  private static final Duration PRUNE_EVERY = Duration.ofHours(1);
  private static final char SEP = '\u0000';

  private final Path file;
  private final MVStore store;
  private final MVMap<String, String> decisions;
  private final MVMap<String, String> byAgent;
  private final MVMap<String, String> meta;
  private final BlockingQueue<DecisionRecord> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final AtomicLong seq;
  private final AtomicLong durableSeq;
  private final Object durable = new Object();
  private final Duration syncInterval;
  private final Duration retention;
  private final Clock clock;
  private final ObjectMapper json = JsonMapper.builder().build();
  private final Thread writer;
  private volatile boolean closed;
  private volatile String failure = "";
  private Instant lastPrune = Instant.EPOCH;

  private MvDecisionLog(Path file, MVStore store, Duration syncInterval, Duration retention, Clock clock) {
    this.file = file;
    this.store = store;
    this.decisions = store.openMap("decisions", strings());
    this.byAgent = store.openMap("by_agent", strings());
    this.meta = store.openMap("meta", strings());
    long last = Long.parseLong(meta.getOrDefault("seq", "0"));
    this.seq = new AtomicLong(last);
    this.durableSeq = new AtomicLong(last);
    this.syncInterval = syncInterval;
    this.retention = retention;
    this.clock = clock;
    this.writer = Thread.ofPlatform().name("PolicyEngine_DecisionLogWriter").daemon().start(this::writeLoop);
  }

  private static MVMap.Builder<String, String> strings() {
    return new MVMap.Builder<String, String>().keyType(StringDataType.INSTANCE).valueType(StringDataType.INSTANCE);
  }

  /** Opens (creating if needed) the log file and starts its writer. */
  public static MvDecisionLog open(Path file, Duration syncInterval, Duration retention, Clock clock) {
    Path absolute = file.toAbsolutePath().normalize();
    try {
      Files.createDirectories(absolute.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + absolute.getParent() + ": " + e.getMessage(), e);
    }
    try {
      MVStore store = new MVStore.Builder().fileName(absolute.toString()).autoCommitDisabled().autoCommitBufferSize(0).open();
      return new MvDecisionLog(absolute, store, syncInterval, retention, clock);
    } catch (MVStoreException e) {
      if (e.getErrorCode() == DataUtils.ERROR_FILE_LOCKED) {
        throw new IllegalStateException("decision log " + absolute + " is already open by another Warden process: stop that one first", e);
      }
      throw new IllegalStateException("cannot open decision log " + absolute + ": " + e.getMessage(), e);
    }
  }

  /**
   * Enqueues one decision for the writer. False when it cannot be taken (the writer failed, or
   * is more than {@value #QUEUE_CAPACITY} decisions behind for {@value #ENQUEUE_WAIT_MS} ms).
   */
  public boolean record(Instant time, DecisionInput input, PolicyDecision decision, String digest,
      long latencyMicros, boolean cached) {
    return record(time, input, decision, digest, latencyMicros, cached, true);
  }

  /**
   * As {@link #record}, but never waits: false at once when the writer's queue is full, so that a
   * caller on an event loop can fall back to {@link #record} on a thread that may wait.
   */
  public boolean recordWithoutWaiting(Instant time, DecisionInput input, PolicyDecision decision, String digest,
      long latencyMicros) {
    return record(time, input, decision, digest, latencyMicros, true, false);
  }

  private boolean record(Instant time, DecisionInput input, PolicyDecision decision, String digest,
      long latencyMicros, boolean cached, boolean mayWait) {
    if (closed || !failure.isEmpty()) {
      return false;
    }
    DecisionRecord r = new DecisionRecord(seq.incrementAndGet(), time, input.agent(), input.action(),
        input.resource(), decision.outcome(), decision.reasons(), decision.policyRevision(), digest, latencyMicros, cached);
    if (!mayWait) {
      return queue.offer(r);
    }
    try {
      if (queue.offer(r) || queue.offer(r, ENQUEUE_WAIT_MS, TimeUnit.MILLISECONDS)) {
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.warn("decision log is {} decisions behind; refusing decision {}", queue.size(), r.seq());
    return false;
  }

  @Override
  public List<DecisionRecord> query(DecisionQuery q) {
    flush(Duration.ofSeconds(2));
    String lower = key(q.from() == null ? 0 : q.from().toEpochMilli(), 0);
    String upper = q.to() == null ? "~" : key(q.to().toEpochMilli(), 0);
    List<DecisionRecord> out = new ArrayList<>();
    if (q.agent() != null) {
      String prefix = q.agent() + SEP;
      Cursor<String, String> c = byAgent.cursor(prefix + upper, prefix + lower, true);
      while (c.hasNext() && out.size() < q.limit()) {
        String k = c.next().substring(prefix.length());
        addIfMatches(out, decisions.get(k), q);
      }
    } else {
      Cursor<String, String> c = decisions.cursor(upper, lower, true);
      while (c.hasNext() && out.size() < q.limit()) {
        c.next();
        addIfMatches(out, c.getValue(), q);
      }
    }
    return out;
  }

  private void addIfMatches(List<DecisionRecord> out, String value, DecisionQuery q) {
    if (value == null) {
      return;
    }
    DecisionRecord r = decode(value);
    if (q.result() == null || q.result() == r.result()) {
      out.add(r);
    }
  }

  @Override
  public long size() {
    flush(Duration.ofSeconds(2));
    return decisions.sizeAsLong();
  }

  /** Waits until every decision recorded so far is on disk (or {@code wait} passed). */
  public boolean flush(Duration wait) {
    long target = seq.get();
    long deadline = System.nanoTime() + wait.toNanos();
    synchronized (durable) {
      while (durableSeq.get() < target && failure.isEmpty() && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(durable, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return durableSeq.get() >= target;
  }

  /** Decisions recorded but not yet on disk. */
  public long pending() {
    return Math.max(0, seq.get() - durableSeq.get());
  }

  /** Why the writer stopped, "" while it works. */
  public String failure() {
    return failure;
  }

  public Path file() {
    return file;
  }

  private void writeLoop() {
    List<DecisionRecord> batch = new ArrayList<>();
    while (true) {
      try {
        DecisionRecord first = queue.poll(syncInterval.toMillis(), TimeUnit.MILLISECONDS);
        if (first != null) {
          batch.add(first);
          queue.drainTo(batch, MAX_BATCH - 1);
          write(batch);
          batch.clear();
        } else if (closed) {
          return;
        }
        pruneIfDue();
      } catch (InterruptedException e) {
        if (closed && queue.isEmpty()) {
          return;
        }
      } catch (RuntimeException | Error e) {
        failure = "decision log " + file + " failed to write: " + e;
        LOG.error("decision log {} failed to write; decisions are denied until restart", file, e);
        synchronized (durable) {
          durable.notifyAll();
        }
        return;
      }
    }
  }

  private void write(List<DecisionRecord> batch) {
    long maxSeq = 0;
    for (DecisionRecord r : batch) {
      String k = key(r.time().toEpochMilli(), r.seq());
      decisions.put(k, encode(r));
      byAgent.put(r.agent() + SEP + k, "");
      maxSeq = Math.max(maxSeq, r.seq());
    }
    if (maxSeq > Long.parseLong(meta.getOrDefault("seq", "0"))) {
      meta.put("seq", Long.toString(maxSeq));
    }
    store.commit();
    store.sync();
    synchronized (durable) {
      durableSeq.accumulateAndGet(maxSeq, Math::max);
      durable.notifyAll();
    }
  }

  private void pruneIfDue() {
    Instant now = clock.instant();
    if (Duration.between(lastPrune, now).compareTo(PRUNE_EVERY) < 0) {
      return;
    }
    lastPrune = now;
    String cutoff = key(now.minus(retention).toEpochMilli(), 0);
    int removed = 0;
    for (String k = decisions.firstKey(); k != null && k.compareTo(cutoff) < 0; k = decisions.firstKey()) {
      String v = decisions.remove(k);
      byAgent.remove(decode(v).agent() + SEP + k);
      removed++;
    }
    if (removed > 0) {
      store.commit();
      LOG.info("decision log: removed {} decisions older than {} days", removed, retention.toDays());
    }
  }

  static String key(long epochMillis, long seq) {
    return String.format(Locale.ROOT, "%013d-%012d", epochMillis, seq);
  }

  /** The stored form: snake_case JSON, the same names the HTTP API uses. */
  record StoredV1(
      @JsonProperty("seq") long seq,
      @JsonProperty("time") String time,
      @JsonProperty("agent") String agent,
      @JsonProperty("action") String action,
      @JsonProperty("resource") String resource,
      @JsonProperty("result") String result,
      @JsonProperty("reasons") List<String> reasons,
      @JsonProperty("policy_revision") String policyRevision,
      @JsonProperty("input_digest") String inputDigest,
      @JsonProperty("latency_us") long latencyMicros,
      @JsonProperty("cached") boolean cached) {}

  private String encode(DecisionRecord r) {
    try {
      return json.writeValueAsString(new StoredV1(r.seq(), r.time().toString(), r.agent(), r.action(), r.resource(),
          r.result().name(), r.reasons(), r.policyRevision(), r.inputDigest(), r.latencyMicros(), r.cached()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private DecisionRecord decode(String value) {
    try {
      StoredV1 s = json.readValue(value, StoredV1.class);
      return new DecisionRecord(s.seq(), Instant.parse(s.time()), s.agent(), s.action(), s.resource(),
          PolicyDecision.Outcome.valueOf(s.result()), s.reasons(), s.policyRevision(), s.inputDigest(),
          s.latencyMicros(), s.cached());
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable decision in " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes what is queued, syncs, and closes the file. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    // No interrupt: it would close the file channel under a write in progress (ClosedByInterruptException,
    // the log failed at every shutdown). The writer wakes every sync interval, writes what is queued and ends.
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (durable) {
      durable.notifyAll();
    }
    if (failure.isEmpty()) {
      store.close();
    } else {
      store.closeImmediately();
    }
  }
}
