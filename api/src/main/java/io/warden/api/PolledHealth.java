package io.warden.api;

import io.warden.core.health.Health;
import io.warden.core.health.HealthIndicator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link HealthIndicator} for a component whose health has to be computed (a JDBC ping, a probe):
 * {@code compute} runs on this indicator's own daemon thread every {@code every}, and {@link
 * #health()} only returns the last result, so {@code /healthz} and {@code /metrics} never block an
 * event loop. The first value is computed in {@link #start}, on the caller's thread. A result older
 * than ten periods (the computation hangs) is reported DEGRADED with its age.
 */
public final class PolledHealth implements HealthIndicator, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PolledHealth.class);

  private final String name;
  private final Supplier<Health> compute;
  private final Duration every;
  private final Clock clock;
  private final ScheduledExecutorService thread;
  private volatile Health last;
  private volatile Instant computedAt;

  private PolledHealth(String name, Supplier<Health> compute, Duration every, Clock clock) {
    this.name = name;
    this.compute = compute;
    this.every = every;
    this.clock = clock;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "PolledHealth_" + name);
      t.setDaemon(true);
      return t;
    });
  }

  /** Computes the first value now, then every {@code every} on a thread named {@code PolledHealth_<name>}. */
  public static PolledHealth start(String name, Supplier<Health> compute, Duration every) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(compute, "compute");
    if (every.isNegative() || every.isZero()) {
      throw new IllegalArgumentException("every must be positive, got " + every);
    }
    PolledHealth h = new PolledHealth(name, compute, every, Clock.systemUTC());
    h.refresh();
    h.thread.scheduleWithFixedDelay(h::refresh, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    return h;
  }

  private void refresh() {
    Health h;
    try {
      h = Objects.requireNonNull(compute.get(), "health");
    } catch (RuntimeException e) {
      log.warn("computing the health of {} failed", name, e);
      h = Health.down("health check of " + name + " failed: " + e.getMessage());
    }
    last = h;
    computedAt = clock.instant();
  }

  @Override
  public Health health() {
    Health h = last;
    Duration age = Duration.between(computedAt, clock.instant());
    if (age.compareTo(every.multipliedBy(10)) > 0 && h.state() == Health.State.UP) {
      return new Health(Health.State.DEGRADED, "health of " + name + " not refreshed for " + age.toSeconds()
          + " s (its check hangs)", h.details()).withDetails(Map.of("age_seconds", age.toSeconds()));
    }
    return h;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
