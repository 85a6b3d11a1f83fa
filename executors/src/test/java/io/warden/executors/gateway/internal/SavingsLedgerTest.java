package io.warden.executors.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.store.StateStore;
import io.warden.executors.gateway.ModelSavings;
import io.warden.testing.MutableClock;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SavingsLedgerTest {
  @TempDir Path dir;
  final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T23:59:00Z"));

  private static ModelSavings call(String unrouted, String actual) {
    return new ModelSavings(1, 1, 0, 0, 0, new BigDecimal(unrouted), new BigDecimal(actual), new BigDecimal("0.001"));
  }

  @Test
  void callsAddUpPerAgentAndUtcDay_andAWindowSumsItsDays() {
    try (StateStore state = StateStore.open(dir.resolve("state.db"))) {
      SavingsLedger ledger = SavingsLedger.open(state, clock);
      ledger.add("a", call("0.010", "0.004"));
      clock.advance(Duration.ofMinutes(2)); // past midnight UTC: the next day
      ledger.add("a", call("0.020", "0.005"));
      ledger.add("b", call("0.100", "0.100"));

      assertThat(ledger.byAgent(null, null).get("a")).isEqualTo(new ModelSavings(2, 2, 0, 0, 0,
          new BigDecimal("0.030"), new BigDecimal("0.009"), new BigDecimal("0.002")));
      LocalDate first = LocalDate.parse("2026-11-29");
      assertThat(ledger.byAgent(first, first)).containsOnlyKeys("a");
      assertThat(ledger.byAgent(first, first).get("a").savedUsd()).isEqualByComparingTo("0.006");
      assertThat(ledger.byAgent(first.plusDays(1), null)).containsOnlyKeys("a", "b");
      assertThat(ledger.byAgent(null, first.minusDays(1))).isEmpty();
    }
  }

  @Test
  void flushedDays_areThereAfterReopening_unflushedOnesAreNot() {
    Path file = dir.resolve("state.db");
    try (StateStore state = StateStore.open(file)) {
      SavingsLedger ledger = SavingsLedger.open(state, clock);
      ledger.add("a", call("0.010", "0.004"));
      ledger.flush();
      ledger.add("a", call("0.010", "0.004")); // not flushed: a crash here loses it
    }
    try (StateStore state = StateStore.open(file)) {
      SavingsLedger reopened = SavingsLedger.open(state, clock);
      assertThat(reopened.byAgent(null, null).get("a")).isEqualTo(call("0.010", "0.004"));
      reopened.add("a", call("0.010", "0.004"));
      reopened.flush();
    }
    try (StateStore state = StateStore.open(file)) {
      assertThat(SavingsLedger.open(state, clock).byAgent(null, null).get("a").calls()).isEqualTo(2);
    }
  }

  @Test
  void aCorruptRow_isRefusedNamingItAndWhatToDo() {
    try (StateStore state = StateStore.open(dir.resolve("state.db"))) {
      state.put(SavingsLedger.TABLE, "2026-11-29/a", "{\"calls\":1,\"unrouted_usd\":\"lots\"}");
      assertThatThrownBy(() -> SavingsLedger.open(state, clock))
          .hasMessageContaining("corrupt row '2026-11-29/a' in state store table model_savings")
          .hasMessageContaining("remove the row");
    }
  }

  @Test
  void withoutAStore_savingsAreKeptInMemory() {
    SavingsLedger ledger = SavingsLedger.open(null, clock);
    ledger.add("a", call("0.010", "0.004"));
    ledger.flush(); // nothing to write to
    assertThat(ledger.byAgent(null, null).get("a").calls()).isEqualTo(1);
  }
}
