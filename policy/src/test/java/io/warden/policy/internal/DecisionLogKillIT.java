package io.warden.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.warden.policy.DecisionQuery;
import io.warden.policy.DecisionRecord;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the decision log acknowledged as written survives a kill -9 of the JVM writing it. */
@Timeout(120)
class DecisionLogKillIT {

  @TempDir
  Path dir;

  @Test
  void open_afterKill9MidWrite_hasEveryAcknowledgedDecisionAndNoTornOne() throws Exception {
    Path file = dir.resolve("decisions.mv.db");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        DecisionLogCrashWriter.class.getName(), file.toString()).redirectErrorStream(true).start();
    AtomicLong acked = new AtomicLong();
    Thread reader = Thread.ofPlatform().daemon().start(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          if (line.startsWith("ack ")) {
            acked.set(Long.parseLong(line.substring(4)));
          }
        }
      } catch (java.io.IOException e) {
        // the child died: that is the point
      }
    });
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> acked.get() >= 2_000 || !child.isAlive());
      assertThat(child.isAlive()).as("writer still running").isTrue();
    } finally {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
      reader.join(10_000);
    }
    long lastAck = acked.get();

    try (MvDecisionLog log = MvDecisionLog.open(file, Duration.ofMillis(100), Duration.ofDays(30), Clock.systemUTC())) {
      long size = log.size();
      assertThat(size).isGreaterThanOrEqualTo(lastAck);
      List<DecisionRecord> newest = log.query(new DecisionQuery(null, null, null, null, DecisionQuery.MAX_LIMIT));
      assertThat(newest).isNotEmpty().allSatisfy(r -> assertThat(r.inputDigest()).isEqualTo("digest-" + r.seq()));
      // Every acknowledged decision is there, for every agent index.
      assertThat(log.query(DecisionQuery.latest().withAgent("agent-" + (lastAck % 5)).withLimit(1000)))
          .extracting(DecisionRecord::seq).contains(lastAck);
    }
  }
}
