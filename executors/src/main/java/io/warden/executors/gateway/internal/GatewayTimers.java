package io.warden.executors.gateway.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The latency the model gateway itself adds, as histograms an operator can watch against the
 * provider's: {@code warden_model_gateway_preflight_seconds}, from a call's arrival to its upstream
 * request being sent (authentication, budget reservation, policy, pinning, a pooled connection), and
 * {@code warden_model_gateway_chunk_hold_seconds}, from an upstream read of a stream to its write to
 * the client (metering, relaying; the oldest read of each write). Buckets from 0.1 ms to 1 s,
 * finest around the 1–2 ms the gateway is meant to stay under.
 */
public record GatewayTimers(Timer preflight, Timer chunkHold) {
  private static final Duration[] BUCKETS = {
      Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
      Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(100), Duration.ofSeconds(1)};

  /** Registers both timers on {@code registry} (an empty composite registry makes them no-ops). */
  public static GatewayTimers register(MeterRegistry registry) {
    return new GatewayTimers(
        timer("warden_model_gateway_preflight",
            "from a model call's arrival to its upstream request being sent: what the gateway adds before the"
                + " provider can answer", registry),
        timer("warden_model_gateway_chunk_hold",
            "from an upstream read of a streamed answer to its write to the client", registry));
  }

  private static Timer timer(String name, String description, MeterRegistry registry) {
    return Timer.builder(name).description(description).serviceLevelObjectives(BUCKETS)
        .minimumExpectedValue(BUCKETS[0]).maximumExpectedValue(BUCKETS[BUCKETS.length - 1]).register(registry);
  }

  void recordPreflight(long startNanos) {
    preflight.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  void recordChunkHold(long readNanos) {
    chunkHold.record(System.nanoTime() - readNanos, TimeUnit.NANOSECONDS);
  }
}
