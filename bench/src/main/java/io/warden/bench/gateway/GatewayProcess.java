package io.warden.bench.gateway;

import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.warden.bench.tracestore.Machine;
import io.warden.executors.gateway.StandInGateway;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The model gateway in a JVM of its own, as the appliance runs it, for {@link GatewayOverheadBench}:
 * its heap and its collector's pauses hold only what the gateway allocates, not the load
 * generator's or the provider's. Argument: the OpenAI base URL of the provider stand-in (in the
 * bench's process). Prints {@code ready <gateway base URL> <agent credential>}; on each input line
 * {@code stats <n>} prints {@code stats <n> <process CPU ns> <bytes allocated by all threads>
 * <wake-up lateness p99 µs> <max µs> <chunk holds> <hold p99 µs> <p99.9 µs> <max µs> <preflights>
 * <p99 µs> <p99.9 µs> <max µs>} (lateness, holds and preflights —
 * {@code warden_model_gateway_chunk_hold_seconds}, {@code warden_model_gateway_preflight_seconds} —
 * since the last {@code stats}); exits when its input ends.
 *
 * <p>Wake-up lateness: a thread of this process parks for 1 ms at a time and records how much later
 * than asked it ran again — how long a thread here, an event loop included, waits for a core or
 * for a safepoint to end; it tells the process's share of a latency tail from the gateway's own.
 */
public final class GatewayProcess {
  static final String AGENT = """
      apiVersion: agent.os/v1
      kind: Agent
      metadata: {name: bench-bot, owner: bench}
      spec:
        model: {provider: openai, name: gpt-4o, pinned_revision: "2024-08-06"}
        budgets: {calls_per_hour: 100000000, usd_per_day: 1000000}
      """;

  private GatewayProcess() {}

  public static void main(String[] args) throws Exception {
    var process = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    WakeUpLateness lateness = new WakeUpLateness();
    if (Boolean.parseBoolean(System.getProperty("wakeUpProbe", "true"))) { // -DgatewayJvm=-DwakeUpProbe=false: none
      Thread.ofPlatform().daemon().name("wake-up-lateness").start(lateness);
    }
    Path dir = Files.createTempDirectory("warden-gateway-bench-");
    try (StandInGateway g = StandInGateway.start(dir, args[0])) {
      String key = g.addAgent("bench-bot", AGENT);
      g.keepRecords(false); // nothing kept per request beyond what the appliance keeps
      System.out.println("ready " + g.gatewayOpenAiBaseUrl() + " " + key);
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("stats ")) {
          long[] late = lateness.p99AndMaxSinceLast();
          System.out.println(line + " " + process.getProcessCpuTime() + " " + threads.getTotalThreadAllocatedBytes()
              + " " + late[0] + " " + late[1] + " " + holds(g));
          g.resetMetrics();
        }
      }
    }
  }

  /**
   * The gateway's chunk holds, then its preflights, since the last reset: count, p99, p99.9 and max
   * in µs each.
   */
  private static String holds(StandInGateway g) {
    return quantiles(g, "warden_model_gateway_chunk_hold") + " " + quantiles(g, "warden_model_gateway_preflight");
  }

  private static String quantiles(StandInGateway g, String timer) {
    HistogramSnapshot h = g.metrics().get(timer).timer().takeSnapshot();
    double p99 = 0;
    double p999 = 0;
    for (ValueAtPercentile v : h.percentileValues()) {
      if (v.percentile() == 0.99) {
        p99 = v.value(TimeUnit.MICROSECONDS);
      } else if (v.percentile() == 0.999) {
        p999 = v.value(TimeUnit.MICROSECONDS);
      }
    }
    return h.count() + " " + Math.round(p99) + " " + Math.round(p999) + " " + Math.round(h.max(TimeUnit.MICROSECONDS));
  }

  /** Parks 1 ms at a time and keeps how late (ns) each wake-up was. */
  private static final class WakeUpLateness implements Runnable {
    private static final long PARK_NANOS = 1_000_000;
    private long[] late = new long[1 << 16];
    private int count;

    @Override
    public void run() {
      while (true) {
        long t = System.nanoTime();
        java.util.concurrent.locks.LockSupport.parkNanos(PARK_NANOS);
        long ns = System.nanoTime() - t - PARK_NANOS;
        synchronized (this) {
          if (count == late.length) {
            late = java.util.Arrays.copyOf(late, count * 2);
          }
          late[count++] = Math.max(0, ns);
        }
      }
    }

    /** {p99, max} in µs of the wake-ups since the last call ({0, 0} for none), and forgets them. */
    synchronized long[] p99AndMaxSinceLast() {
      long[] us = {Math.round(Machine.percentileMillis(late, count, 0.99) * 1e3),
          Math.round(Machine.percentileMillis(late, count, 1.0) * 1e3)};
      count = 0;
      return us;
    }
  }
}
