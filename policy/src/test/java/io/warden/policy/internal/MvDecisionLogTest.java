package io.warden.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.policy.DecisionInput;
import io.warden.core.policy.PolicyDecision;
import io.warden.core.policy.PolicyDecision.Outcome;
import io.warden.policy.DecisionQuery;
import io.warden.policy.DecisionRecord;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MvDecisionLogTest {

  private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");

  @TempDir
  Path dir;

  private MvDecisionLog open() {
    return MvDecisionLog.open(dir.resolve("decisions.mv.db"), Duration.ofMillis(100), Duration.ofDays(30), Clock.systemUTC());
  }

  private static void record(MvDecisionLog log, int minute, String agent, PolicyDecision d) {
    DecisionInput in = new DecisionInput(agent, List.of(), "tool.call", "mcp://gateway/ledger-read", null, Map.of(),
        T0.plusSeconds(60L * minute));
    assertThat(log.record(T0.plusSeconds(60L * minute), in, d, "d" + minute, 42, false)).isTrue();
  }

  @Test
  void close_whileTheWriterIsBusy_writesEverythingAndFailsNothing() {
    // close() used to interrupt the writer: mid-write that closes the file channel
    // (ClosedByInterruptException), failing the log and losing what was queued, at every shutdown.
    int n = 10_000;
    MvDecisionLog log = open();
    for (int i = 0; i < n; i++) {
      record(log, i % 1000, "a", PolicyDecision.allow("r1"));
    }
    log.close();

    assertThat(log.failure()).isEmpty();
    try (MvDecisionLog reopened = open()) {
      assertThat(reopened.size()).isEqualTo(n);
    }
  }

  @Test
  void query_filtersByAgentResultAndTimeNewestFirst() {
    try (MvDecisionLog log = open()) {
      record(log, 0, "a", PolicyDecision.allow("r1"));
      record(log, 1, "b", PolicyDecision.deny("no", "r1"));
      record(log, 2, "a", PolicyDecision.deny("budget", "r1"));
      record(log, 3, "a", PolicyDecision.allow("r2"));

      assertThat(log.query(DecisionQuery.latest())).extracting(DecisionRecord::inputDigest)
          .containsExactly("d3", "d2", "d1", "d0");
      assertThat(log.query(DecisionQuery.latest().withAgent("a"))).extracting(DecisionRecord::inputDigest)
          .containsExactly("d3", "d2", "d0");
      assertThat(log.query(DecisionQuery.latest().withAgent("a").withResult(Outcome.DENY)))
          .singleElement().satisfies(r -> {
            assertThat(r.reasons()).containsExactly("budget");
            assertThat(r.policyRevision()).isEqualTo("r1");
            assertThat(r.latencyMicros()).isEqualTo(42);
            assertThat(r.time()).isEqualTo(T0.plusSeconds(120));
          });
      assertThat(log.query(DecisionQuery.latest().withRange(T0.plusSeconds(60), T0.plusSeconds(180))))
          .extracting(DecisionRecord::inputDigest).containsExactly("d2", "d1");
      assertThat(log.query(DecisionQuery.latest().withLimit(2))).extracting(DecisionRecord::inputDigest)
          .containsExactly("d3", "d2");
      assertThat(log.query(DecisionQuery.latest().withAgent("ab"))).isEmpty();
    }
  }

  @Test
  void open_again_keepsDecisionsAndContinuesSequence() {
    long lastSeq;
    try (MvDecisionLog log = open()) {
      record(log, 0, "a", PolicyDecision.allow("r1"));
      record(log, 1, "a", PolicyDecision.allow("r1"));
      lastSeq = log.query(DecisionQuery.latest()).get(0).seq();
    }
    try (MvDecisionLog log = open()) {
      assertThat(log.size()).isEqualTo(2);
      record(log, 2, "a", PolicyDecision.allow("r1"));
      assertThat(log.query(DecisionQuery.latest()).get(0).seq()).isEqualTo(lastSeq + 1);
    }
  }

  @Test
  void flush_afterRecord_hasNothingPending() {
    try (MvDecisionLog log = open()) {
      for (int i = 0; i < 500; i++) {
        record(log, i, "a" + (i % 7), PolicyDecision.allow("r"));
      }
      assertThat(log.flush(Duration.ofSeconds(5))).isTrue();
      assertThat(log.pending()).isZero();
      assertThat(log.size()).isEqualTo(500);
    }
  }

  @Test
  void record_afterClose_isRefused() {
    MvDecisionLog log = open();
    log.close();
    DecisionInput in = new DecisionInput("a", List.of(), "tool.call", "x", null, Map.of(), T0);

    assertThat(log.record(T0, in, PolicyDecision.allow(""), "d", 1, false)).isFalse();
  }

  @Test
  void key_sortsByTimeThenSequence() {
    assertThat(MvDecisionLog.key(1_764_151_200_000L, 7)).isEqualTo("1764151200000-000000000007");
    assertThat(MvDecisionLog.key(999, 2)).isLessThan(MvDecisionLog.key(1000, 1));
  }
}
