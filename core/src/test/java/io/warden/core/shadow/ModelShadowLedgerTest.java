package io.warden.core.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.warden.core.store.StateStore;
import io.warden.testing.MutableClock;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelShadowLedgerTest {
  private static final String PRIMARY = "openai/gpt-4o@2024-08-06";
  private static final String CANDIDATE = "openai/gpt-4o@2024-11-20";
  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));

  @Test
  void pairsOlderThanTheRetention_arePurged_onPurge_andEveryFewHundredRecords() {
    try (StateStore store = StateStore.open(dir.resolve("state.mv.db"))) {
      ModelShadowLedger ledger = ModelShadowLedger.create(store, clock, Duration.ofDays(7));
      ledger.record("bot", PRIMARY, CANDIDATE, false, List.of("old"), 1, 1, BigDecimal.ZERO, BigDecimal.ZERO, "old");
      clock.advance(Duration.ofDays(7).minusSeconds(1));
      ledger.record("bot", PRIMARY, CANDIDATE, true, List.of(), 1, 1, BigDecimal.ZERO, BigDecimal.ZERO, "recent");

      assertThat(ledger.purge()).isZero(); // the first pair is 7 days less a second old
      clock.advance(Duration.ofSeconds(2));
      assertThat(ledger.purge()).isEqualTo(1);
      assertThat(ledger.runs("bot")).extracting(ModelShadowRun::traceId).containsExactly("recent");
      assertThat(ledger.report("bot", CANDIDATE).samples()).isEqualTo(1);

      // Without anyone calling purge: a steady stream of pairs keeps the table at the retention.
      clock.advance(Duration.ofDays(8));
      for (int i = 0; i < ModelShadowLedger.PURGE_EVERY; i++) {
        ledger.record("bot", PRIMARY, CANDIDATE, true, List.of(), 1, 1, BigDecimal.ZERO, BigDecimal.ZERO, "n" + i);
      }
      assertThat(ledger.runs("bot")).noneMatch(r -> r.traceId().equals("recent")).hasSize(ModelShadowLedger.PURGE_EVERY);
    }
  }

  @Test
  void aRetentionThatIsNotPositive_isRefused() {
    try (StateStore store = StateStore.open(dir.resolve("state.mv.db"))) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> ModelShadowLedger.create(store, clock, Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retention must be positive");
    }
  }

  @Test
  void report_countsPerCandidate_boundsTheRate_keepsLatestDisagreements_acrossARestart() {
    try (StateStore store = StateStore.open(dir.resolve("state.mv.db"))) {
      ModelShadowLedger ledger = ModelShadowLedger.create(store, clock);
      for (int i = 0; i < 8; i++) {
        clock.advance(Duration.ofSeconds(1));
        ledger.record("bot", PRIMARY, CANDIDATE, true, List.of(), 100, 130, new BigDecimal("0.002"),
            new BigDecimal("0.001"), "t" + i);
      }
      clock.advance(Duration.ofSeconds(1));
      ledger.record("bot", PRIMARY, CANDIDATE, false, List.of("text: primary \"a\", candidate \"b\""), 100, 90,
          new BigDecimal("0.002"), new BigDecimal("0.001"), "t8");
      clock.advance(Duration.ofSeconds(1));
      ledger.record("bot", PRIMARY, CANDIDATE, false, List.of("x".repeat(1000)), 100, 90,
          new BigDecimal("0.002"), new BigDecimal("0.001"), "t9");
      ledger.record("bot", PRIMARY, "openai/gpt-4.1@2025-04-14", true, List.of(), 1, 1, BigDecimal.ZERO,
          BigDecimal.ZERO, "other");
      ledger.record("other", PRIMARY, CANDIDATE, true, List.of(), 1, 1, BigDecimal.ZERO, BigDecimal.ZERO, "o");
    }
    try (StateStore store = StateStore.open(dir.resolve("state.mv.db"))) {
      ModelShadowLedger ledger = ModelShadowLedger.create(store, clock);
      ModelShadowReport r = ledger.report("bot", CANDIDATE);

      assertThat(r.samples()).isEqualTo(10);
      assertThat(r.agreements()).isEqualTo(8);
      assertThat(r.agreementRate()).isEqualTo(0.8);
      // Wilson 95% for 8/10: 0.490 .. 0.943
      assertThat(r.agreementLow()).isCloseTo(0.490, within(0.001));
      assertThat(r.agreementHigh()).isCloseTo(0.943, within(0.001));
      assertThat(r.meanLatencyDeltaMs()).isCloseTo((8 * 30 - 2 * 10) / 10.0, within(1e-9));
      assertThat(r.costDeltaUsd()).isEqualByComparingTo("-0.01");
      assertThat(r.examples()).extracting(ModelShadowRun::traceId).containsExactly("t9", "t8");
      assertThat(r.examples().getFirst().differences().getFirst()).hasSize(ModelShadowLedger.MAX_DIFFERENCE_CHARS + 1);
      assertThat(ledger.reports("bot")).extracting(ModelShadowReport::candidate)
          .containsExactly(CANDIDATE, "openai/gpt-4.1@2025-04-14");
      assertThat(ledger.runs(null)).hasSize(12);
    }
  }

  @Test
  void report_withoutSamples_isNoEvidence() {
    try (StateStore store = StateStore.open(dir.resolve("state.mv.db"))) {
      ModelShadowReport r = ModelShadowLedger.create(store, clock).report("bot", CANDIDATE);
      assertThat(r.samples()).isZero();
      assertThat(r.agreementRate()).isZero();
      assertThat(r.agreementHigh()).isZero();
      assertThat(ModelShadowEvidence.NONE.report("bot", CANDIDATE)).isEqualTo(r);
    }
  }
}
