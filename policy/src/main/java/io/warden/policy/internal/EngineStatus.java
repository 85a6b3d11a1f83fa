package io.warden.policy.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.warden.core.audit.AuditLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether OPA can be asked, and the circuit breaker that keeps a dead OPA from costing every call
 * its deadline. Two ways in:
 * <ul>
 *   <li>calls: {@link #tryAcquire()} then {@link #onSuccess} / {@link #onFailure} per OPA call; a
 *       breaker (resilience4j, count-based window of {@value #WINDOW} calls, at least
 *       {@value #MIN_CALLS}, half of them failed or timed out) opens, refuses calls for the open
 *       time, then lets one trial call through (half-open);</li>
 *   <li>supervision: {@link #opaDown(String)} when the sidecar dies or the health probe fails forces
 *       the breaker open at once; {@link #opaUp()} when OPA is back and main's policies are pushed
 *       again closes it.</li>
 * </ul>
 * Each transition between available and unavailable is logged and written to the audit log as
 * {@code policy.engine.down} / {@code policy.engine.up} (on the worker, since audit appends fsync),
 * until {@link #stopping()}: OPA going away because Warden stops it is not an outage, so from then
 * on transitions are neither logged nor audited (calls are still refused).
 *
 * <p>Internal: not public API.
 */
public final class EngineStatus {
  private static final Logger LOG = LoggerFactory.getLogger(EngineStatus.class);

  static final int WINDOW = 5;
  static final int MIN_CALLS = 3;
  static final String AUDIT_ACTOR = "system";
  static final String AUDIT_TARGET = "policy/opa";

  private final CircuitBreaker breaker;
  private final AuditLog audit;
  private final Clock clock;
  private final Executor worker;
  private final Object transitions = new Object();
  private final AtomicLong downEvents = new AtomicLong();
  private boolean available;
  private Instant since;
  private String reason = "starting";
  private volatile String lastFailure = "";
  private volatile boolean stopping;
  private final List<Runnable> upListeners = new CopyOnWriteArrayList<>();

  public EngineStatus(Duration openFor, Clock clock, AuditLog audit, Executor worker) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.audit = audit;
    this.worker = Objects.requireNonNull(worker, "worker");
    this.since = clock.instant();
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(WINDOW)
        .minimumNumberOfCalls(MIN_CALLS)
        .failureRateThreshold(50)
        .waitDurationInOpenState(openFor)
        .permittedNumberOfCallsInHalfOpenState(1)
        .automaticTransitionFromOpenToHalfOpenEnabled(false)
        .recordException(e -> e instanceof OpaException.Unavailable)
        .writableStackTraceEnabled(false)
        .clock(clock)
        .build();
    this.breaker = CircuitBreaker.of("opa", config);
    // Until OPA has been seen up, nothing may pass.
    breaker.transitionToForcedOpenState();
    breaker.getEventPublisher().onStateTransition(event -> {
      switch (event.getStateTransition().getToState()) {
        case OPEN -> markDown("circuit breaker opened after failed or slow calls to opa: " + lastFailure);
        case CLOSED -> markUp();
        default -> { }
      }
    });
  }

  /** Runs {@code listener} on the worker each time the engine becomes available again. */
  public void onUp(Runnable listener) {
    upListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Whether a call to OPA may be made now; false means answer "policy engine unavailable" at once. */
  public boolean tryAcquire() {
    return breaker.tryAcquirePermission();
  }

  /** Gives back a permission obtained by {@link #tryAcquire()} when no call was made. */
  public void release() {
    breaker.releasePermission();
  }

  public void onSuccess(long nanos) {
    breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
  }

  public void onFailure(long nanos, Throwable failure) {
    lastFailure = String.valueOf(failure.getMessage());
    breaker.onError(nanos, TimeUnit.NANOSECONDS, failure);
  }

  /** OPA answers and enforces the current policies: close the breaker. */
  public void opaUp() {
    if (breaker.getState() != CircuitBreaker.State.CLOSED) {
      breaker.transitionToClosedState();
    }
    markUp();
  }

  /** OPA is known to be gone: refuse calls without trying until {@link #opaUp()}. */
  public void opaDown(String why) {
    lastFailure = why;
    if (breaker.getState() != CircuitBreaker.State.FORCED_OPEN) {
      breaker.transitionToForcedOpenState();
    }
    markDown(why);
  }

  /** Warden is stopping the engine: from now on going down is expected, so it is not reported. */
  public void stopping() {
    stopping = true;
  }

  /** Whether {@link #stopping()} was called. */
  public boolean isStopping() {
    return stopping;
  }

  public boolean available() {
    synchronized (transitions) {
      return available;
    }
  }

  /** Breaker state name ({@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}, {@code FORCED_OPEN}). */
  public String breakerState() {
    return breaker.getState().name();
  }

  /** How many times the engine went down since it started. */
  public long downEvents() {
    return downEvents.get();
  }

  /** {@code available}, {@code since}, {@code reason} (why it is down, "" when up), {@code breaker}. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    synchronized (transitions) {
      m.put("available", available);
      m.put("since", since.toString());
      m.put("reason", available ? "" : reason);
    }
    m.put("breaker", breakerState());
    m.put("down_events", downEvents.get());
    return m;
  }

  private void markDown(String why) {
    Instant upSince;
    synchronized (transitions) {
      if (!available) {
        reason = why;
        return;
      }
      upSince = since;
      available = false;
      since = clock.instant();
      reason = why;
    }
    if (stopping) {
      return;
    }
    downEvents.incrementAndGet();
    LOG.warn("policy engine down: {}; runtime decisions are denied until opa is back", why);
    auditLater("policy.engine.down", Map.of("reason", why, "up_since", upSince.toString()));
  }

  private void markUp() {
    Instant downSince;
    boolean wasStarted;
    synchronized (transitions) {
      if (available) {
        return;
      }
      wasStarted = downEvents.get() > 0;
      downSince = since;
      available = true;
      since = clock.instant();
    }
    if (stopping) {
      return;
    }
    if (wasStarted) {
      long downMs = Duration.between(downSince, clock.instant()).toMillis();
      LOG.info("policy engine up again after {} ms", downMs);
      auditLater("policy.engine.up", Map.of("down_since", downSince.toString(), "down_ms", downMs));
    } else {
      LOG.info("policy engine up");
    }
    for (Runnable listener : upListeners) {
      try {
        worker.execute(() -> {
          try {
            listener.run();
          } catch (RuntimeException e) {
            LOG.warn("policy engine up listener failed", e);
          }
        });
      } catch (RejectedExecutionException e) {
        return; // shutting down: nobody to tell
      }
    }
  }

  private void auditLater(String action, Map<String, Object> details) {
    if (audit == null) {
      return;
    }
    try {
      worker.execute(() -> {
        try {
          audit.append(AUDIT_ACTOR, action, AUDIT_TARGET, details);
        } catch (RuntimeException e) {
          LOG.warn("cannot write audit event {}", action, e);
        }
      });
    } catch (RejectedExecutionException e) {
      // The engine closed its worker: the transition came after it was stopped, nothing to record.
      LOG.debug("audit event {} after the policy engine closed: not written", action);
    }
  }
}
