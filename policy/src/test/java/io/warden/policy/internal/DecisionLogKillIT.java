package io.warden.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.policy.DecisionQuery;
import io.warden.policy.DecisionRecord;
import io.warden.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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
    long lastAck;
    try (ChildJvm child = ChildJvm.start(DecisionLogCrashWriter.class, List.of("-Xmx128m"), file.toString())) {
      child.awaitAcks(2_000, Duration.ofSeconds(60));
      assertThat(child.isAlive()).as("writer still running").isTrue();
      lastAck = child.killHard();
    }

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
