package io.warden.policy.internal;

import io.warden.core.policy.DecisionInput;
import io.warden.core.policy.PolicyDecision;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Child-JVM main for {@link DecisionLogKillIT}: records decisions without end and prints
 * {@code ack <n>} each time the first n are known to be on disk.
 */
public final class DecisionLogCrashWriter {
  private DecisionLogCrashWriter() {}

  public static void main(String[] args) {
    MvDecisionLog log = MvDecisionLog.open(Path.of(args[0]), Duration.ofMillis(100), Duration.ofDays(30), Clock.systemUTC());
    for (long n = 1; ; n++) {
      DecisionInput in = new DecisionInput("agent-" + (n % 5), List.of(), "tool.call", "mcp://gateway/ledger-read",
          null, Map.of("calls_last_hour", n), Instant.now());
      if (!log.record(Instant.now(), in, PolicyDecision.allow("rev"), "digest-" + n, 10, false)) {
        throw new IllegalStateException("decision " + n + " refused");
      }
      if (n % 50 == 0 && log.flush(Duration.ofSeconds(5))) {
        System.out.println("ack " + n);
        System.out.flush();
      }
    }
  }
}
