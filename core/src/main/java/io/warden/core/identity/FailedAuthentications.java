package io.warden.core.identity;

import io.warden.core.audit.AuditLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What failed authentications cost, bounded per source address: the audit entries they write and
 * whether their answer is 401 or 429. Shared by every port that takes a credential (the HTTP API
 * and git on 8080, OTLP on 4317/4318) through {@link IdentityService#authenticate(String, String)}.
 *
 * <p>A valid credential is never refused here: only failures are recorded, and the verdict only
 * changes the answer to a request that has already failed.
 *
 * <p>Per source and fixed window ({@link #DEFAULT_WINDOW}, starting at the source's first failure):
 *
 * <ul>
 *   <li>the first failure is audited at once ({@code auth.failure}, actor {@code anonymous}, with
 *       its reason and public ids, {@code count} 1), so an attack shows up even if the process is
 *       killed a moment later;
 *   <li>the others are counted, and one summary entry ({@code count} = failures after the first,
 *       {@code refused} = how many were answered 429) is written when the window ends. The sum of
 *       {@code count} over the entries is the number of failures;
 *   <li>after {@link #DEFAULT_BUDGET} failures in the window, the verdict is {@linkplain
 *       Verdict#throttled() throttled}: the caller answers 429 with {@code Retry-After} (the rest of
 *       the window) instead of 401.
 * </ul>
 *
 * <p>At most {@link #DEFAULT_MAX_SOURCES} sources are tracked per window; failures from further
 * sources share one bucket ({@link #OTHER_SOURCES}), so the audit log grows by at most two entries
 * per tracked source per window however many requests fail. Thread-safe.
 */
public final class FailedAuthentications implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FailedAuthentications.class);

  /** Failures per source per window answered 401; later ones are throttled: {@value}. */
  public static final int DEFAULT_BUDGET = 20;
  /** The counting window. */
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);
  /** Sources tracked at once; beyond, failures are counted under {@link #OTHER_SOURCES}: {@value}. */
  public static final int DEFAULT_MAX_SOURCES = 1_000;
  /** The source of failures when more than {@link #DEFAULT_MAX_SOURCES} sources fail at once. */
  public static final String OTHER_SOURCES = "(other sources)";
  /** The source given by callers that do not know it. */
  public static final String UNKNOWN_SOURCE = "(unknown)";

  static final String ACTION = "auth.failure";
  private static final String ANONYMOUS = "anonymous";

  /** The answer for one failed request. */
  public record Verdict(boolean throttled, Duration retryAfter) {
    static final Verdict UNAUTHORIZED = new Verdict(false, Duration.ZERO);
  }

  private final AuditLog audit;
  private final Clock clock;
  private final int budget;
  private final Duration window;
  private final int maxSources;
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Window> ended = new ConcurrentLinkedQueue<>();
  private final Object flusherLock = new Object();
  private volatile ScheduledExecutorService flusher;
  private volatile boolean closed;

  private static final class Window {
    final String source;
    final Instant start;
    final Instant end;
    final AtomicLong failures = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    volatile String lastReason = "";

    Window(String source, Instant start, Duration length) {
      this.source = source;
      this.start = start;
      this.end = start.plus(length);
    }

    boolean endedAt(Instant now) {
      return !now.isBefore(end);
    }
  }

  FailedAuthentications(AuditLog audit, Clock clock, int budget, Duration window, int maxSources) {
    this.audit = Objects.requireNonNull(audit, "audit");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (budget < 1) {
      throw new IllegalArgumentException("budget must be positive, got " + budget);
    }
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window must be positive, got " + window);
    }
    if (maxSources < 1) {
      throw new IllegalArgumentException("maxSources must be positive, got " + maxSources);
    }
    this.budget = budget;
    this.window = window;
    this.maxSources = maxSources;
  }

  /** With the default budget, window and source bound; summaries are written by a daemon thread. */
  public static FailedAuthentications create(AuditLog audit, Clock clock) {
    return new FailedAuthentications(audit, clock, DEFAULT_BUDGET, DEFAULT_WINDOW, DEFAULT_MAX_SOURCES);
  }

  /**
   * Records one failed authentication and says how to answer it.
   *
   * @param source the client address ("" or null: {@link #UNKNOWN_SOURCE})
   * @param reason why it failed (never the secret)
   * @param target the audit target ({@code user-token/<id>}, {@code credential/<id>}), or ""
   * @param details public facts for the audit entry (ids, never secrets)
   */
  public Verdict record(String source, String reason, String target, Map<String, ?> details) {
    Instant now = clock.instant();
    String key = source == null || source.isBlank() ? UNKNOWN_SOURCE : source;
    Window w = windowFor(key, now);
    long n = w.failures.incrementAndGet();
    w.lastReason = reason;
    startFlusher();
    if (n == 1) {
      Map<String, Object> all = new LinkedHashMap<>(details);
      all.put("reason", reason);
      all.put("source", w.source);
      all.put("count", 1);
      audit.append(ANONYMOUS, ACTION, target, all);
    }
    if (n <= budget) {
      return Verdict.UNAUTHORIZED;
    }
    w.refused.incrementAndGet();
    return new Verdict(true, Duration.between(now, w.end));
  }

  /** Whether {@code source} is over its failure budget right now (its next failure gets 429). */
  public boolean overBudget(String source) {
    Window w = windows.get(source == null || source.isBlank() ? UNKNOWN_SOURCE : source);
    return w != null && !w.endedAt(clock.instant()) && w.failures.get() >= budget;
  }

  private Window windowFor(String source, Instant now) {
    Window current = windows.get(source);
    if (current != null && !current.endedAt(now)) {
      return current;
    }
    String key = current == null && windows.size() >= maxSources && !windows.containsKey(source)
        ? OTHER_SOURCES : source;
    return windows.compute(key, (k, w) -> {
      if (w != null && !w.endedAt(now)) {
        return w;
      }
      if (w != null) {
        ended.add(w);
      }
      return new Window(k, now, window);
    });
  }

  /** Writes the summary entries of windows that have ended; the flusher thread calls it. */
  public void flush() {
    Instant now = clock.instant();
    for (Map.Entry<String, Window> e : windows.entrySet()) {
      Window w = e.getValue();
      if (w.endedAt(now) && windows.remove(e.getKey(), w)) {
        ended.add(w);
      }
    }
    writeEnded();
  }

  private void writeEnded() {
    for (Window w; (w = ended.poll()) != null; ) {
      long after = w.failures.get() - 1;
      if (after <= 0) {
        continue;
      }
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("source", w.source);
      details.put("count", after);
      details.put("refused", w.refused.get());
      details.put("window_start", w.start.toString());
      details.put("window_end", w.end.toString());
      details.put("last_reason", w.lastReason);
      details.put("summary", true);
      try {
        audit.append(ANONYMOUS, ACTION, "", details);
      } catch (RuntimeException ex) {
        log.warn("cannot audit {} failed authentications from {}", after, w.source, ex);
      }
    }
  }

  private void startFlusher() {
    if (flusher != null || closed) {
      return;
    }
    synchronized (flusherLock) {
      if (flusher == null && !closed) {
        flusher = Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "FailedAuthentications_Flusher");
          t.setDaemon(true);
          return t;
        });
        long every = Math.max(1, window.toMillis() / 4);
        flusher.scheduleWithFixedDelay(this::flushQuietly, every, every, TimeUnit.MILLISECONDS);
      }
    }
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (RuntimeException e) {
      log.warn("writing failed-authentication summaries failed", e);
    }
  }

  /** Stops the flusher and writes the summaries of every window, ended or not. */
  @Override
  public void close() {
    synchronized (flusherLock) {
      closed = true;
      if (flusher != null) {
        flusher.shutdownNow();
      }
    }
    List<String> keys = new ArrayList<>(windows.keySet());
    for (String k : keys) {
      Window w = windows.remove(k);
      if (w != null) {
        ended.add(w);
      }
    }
    writeEnded();
  }
}
