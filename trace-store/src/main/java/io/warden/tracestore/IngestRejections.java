package io.warden.tracestore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What ingest rejected, per agent and reason, kept in memory and bounded. OTLP exporters report
 * success even when Warden rejects spans in {@code partial_success}, so without this an agent whose
 * spans are misattributed loses them without a sign. A rejection is counted against the agent the
 * credential belongs to (the agent whose spans were lost); a collector's rejections name no
 * credential's agent and are not kept here.
 *
 * <p>Bounds: at most {@code maxAgents} agents (rejections for further agents are only counted in
 * {@link #overflowed()}), and the last {@code recentPerReason} rejections per agent and reason. A
 * warning is logged at most once per {@code warnEvery} per agent and reason.
 *
 * <p>Thread-safe.
 */
public final class IngestRejections {
  private static final Logger LOG = LoggerFactory.getLogger(IngestRejections.class);

  /** Why a span was rejected: a small fixed set, so a metric label stays bounded. */
  public enum Reason {
    /** Bad ids or times. */
    INVALID_SPAN,
    /** The credential's agent is not in the inventory. */
    AGENT_NOT_IN_INVENTORY,
    /** The span claims another agent than the credential's. */
    OTHER_AGENT_CLAIMED,
    /** A collector's span names no agent. */
    NO_AGENT,
    /** A collector's span names an agent that is not in the inventory. */
    UNKNOWN_AGENT;

    /** The metric label and JSON key: lower snake case. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One rejected span. */
  public record Rejection(Instant at, Reason reason, String message, String spanId, String traceId) {}

  /** Counts per reason and the last rejections, newest first. */
  public record Summary(Map<Reason, Long> counts, List<Rejection> recent) {
    public Summary {
      counts = Map.copyOf(counts);
      recent = List.copyOf(recent);
    }

    public long total() {
      return counts.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private static final class PerReason {
    final AtomicLong count = new AtomicLong();
    final ArrayDeque<Rejection> recent = new ArrayDeque<>();
    long lastWarnNanos;
    boolean warned;
  }

  private final int maxAgents;
  private final int recentPerReason;
  private final Clock clock;
  private final LongSupplier ticker;
  private final long warnEveryNanos;
  private final Map<String, Map<Reason, PerReason>> byAgent = new ConcurrentHashMap<>();
  private final AtomicLong overflowed = new AtomicLong();
  private volatile BiConsumer<String, Reason> onNewSeries = (a, r) -> { };

  /** @param ticker monotonic nanoseconds, for the warning rate limit (tests pass their own) */
  public IngestRejections(int maxAgents, int recentPerReason, Duration warnEvery, Clock clock,
      LongSupplier ticker) {
    if (maxAgents < 1 || recentPerReason < 1) {
      throw new IllegalArgumentException("maxAgents and recentPerReason must be at least 1");
    }
    this.maxAgents = maxAgents;
    this.recentPerReason = recentPerReason;
    this.warnEveryNanos = warnEvery.toNanos();
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
  }

  /** 10,000 agents, the last 20 per reason, a warning at most once a minute. */
  public static IngestRejections create(Clock clock) {
    return new IngestRejections(10_000, 20, Duration.ofMinutes(1), clock, System::nanoTime);
  }

  /**
   * Calls {@code listener} once for every (agent, reason) pair, now for those already seen and later
   * for each new one: where a metrics registry registers its counter.
   */
  public void onNewSeries(BiConsumer<String, Reason> listener) {
    synchronized (byAgent) {
      onNewSeries = Objects.requireNonNull(listener, "listener");
      byAgent.forEach((agent, reasons) -> {
        synchronized (reasons) {
          reasons.keySet().forEach(r -> listener.accept(agent, r));
        }
      });
    }
  }

  /** Records one rejected span of {@code agent}. */
  public void record(String agent, Reason reason, String message, String spanId, String traceId) {
    Map<Reason, PerReason> reasons = byAgent.get(agent);
    if (reasons == null) {
      synchronized (byAgent) {
        reasons = byAgent.get(agent);
        if (reasons == null) {
          if (byAgent.size() >= maxAgents) {
            overflowed.incrementAndGet();
            return;
          }
          reasons = new EnumMap<>(Reason.class);
          byAgent.put(agent, reasons);
        }
      }
    }
    boolean isNew = false;
    boolean warn;
    long count;
    synchronized (reasons) {
      PerReason p = reasons.get(reason);
      if (p == null) {
        p = new PerReason();
        reasons.put(reason, p);
        isNew = true;
      }
      count = p.count.incrementAndGet();
      if (p.recent.size() >= recentPerReason) {
        p.recent.removeLast();
      }
      p.recent.addFirst(new Rejection(clock.instant(), reason, message, spanId, traceId));
      long now = ticker.getAsLong();
      warn = !p.warned || now - p.lastWarnNanos >= warnEveryNanos;
      if (warn) {
        p.warned = true;
        p.lastWarnNanos = now;
      }
    }
    if (isNew) {
      synchronized (byAgent) {
        onNewSeries.accept(agent, reason);
      }
    }
    if (warn) {
      LOG.warn("ingest rejected spans of agent '{}' ({}; {} so far, at most one warning a minute): {}",
          agent, reason.label(), count, message);
    }
  }

  /** How many rejected spans of {@code agent} had {@code reason}. */
  public long count(String agent, Reason reason) {
    Map<Reason, PerReason> reasons = byAgent.get(agent);
    if (reasons == null) {
      return 0;
    }
    synchronized (reasons) {
      PerReason p = reasons.get(reason);
      return p == null ? 0 : p.count.get();
    }
  }

  /** The counts and the last rejections of {@code agent} (empty if none). */
  public Summary summary(String agent) {
    Map<Reason, PerReason> reasons = byAgent.get(agent);
    if (reasons == null) {
      return new Summary(Map.of(), List.of());
    }
    Map<Reason, Long> counts = new EnumMap<>(Reason.class);
    List<Rejection> recent = new ArrayList<>();
    synchronized (reasons) {
      reasons.forEach((r, p) -> {
        counts.put(r, p.count.get());
        recent.addAll(p.recent);
      });
    }
    recent.sort(Comparator.comparing(Rejection::at).reversed());
    return new Summary(counts, recent.size() > recentPerReason ? recent.subList(0, recentPerReason) : recent);
  }

  /** How many agents have rejections kept. */
  public int agents() {
    return byAgent.size();
  }

  /** Rejections not kept because {@code maxAgents} agents were already tracked. */
  public long overflowed() {
    return overflowed.get();
  }
}
