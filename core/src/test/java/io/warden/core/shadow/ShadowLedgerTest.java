package io.warden.core.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.WardenException;
import io.warden.core.store.StateStore;
import io.warden.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShadowLedgerTest {
  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
  private StateStore store;
  private ShadowLedger ledger;

  @BeforeEach
  void open() {
    store = StateStore.open(dir.resolve("state.mv.db"));
    ledger = ShadowLedger.create(store, clock);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void report_pairsByKey_numbersWithinTolerance_everyDisagreementShown() {
    ledger.capture("payments", "pay-invoice", "{\"invoice\":\"INV-1\",\"amount_usd\":5000.004}", "INV-1");
    ledger.capture("payments", "pay-invoice", "{\"invoice\":\"INV-2\",\"amount_usd\":120}", "INV-2");
    ledger.capture("payments", "pay-invoice", "{\"invoice\":\"INV-3\",\"amount_usd\":80}", "INV-3");
    ledger.capture("payments", "pay-invoice", "{\"amount_usd\":1}", ""); // no key: counted, never paired
    clock.advance(Duration.ofMinutes(1));
    ledger.recordHuman("payments", "mcp://gateway/pay-invoice", "{\"invoice\":\"INV-1\",\"amount_usd\":5000}", "INV-1");
    ledger.recordHuman("payments", "pay-invoice", "{\"invoice\":\"INV-2\",\"amount_usd\":110}", "INV-2");
    ledger.recordHuman("payments", "hold-invoice", "{\"invoice\":\"INV-3\"}", "INV-3");
    ledger.recordHuman("payments", "pay-invoice", "{\"invoice\":\"INV-9\"}", "INV-9"); // agent never saw it
    ledger.recordHuman("other", "pay-invoice", "{\"invoice\":\"INV-1\",\"amount_usd\":5000}", "INV-1");

    ShadowReport r = ledger.report("payments");

    assertThat(r.captured()).isEqualTo(4);
    assertThat(r.humanActions()).isEqualTo(4);
    assertThat(r.pairs()).isEqualTo(3);
    assertThat(r.agreements()).isEqualTo(1);
    assertThat(r.agreementRate()).isEqualTo(1.0 / 3);
    assertThat(r.disagreements()).extracting(ShadowReport.Disagreement::correlationKey).containsExactly("INV-2", "INV-3");
    assertThat(r.disagreements().get(0).differences()).containsExactly("/amount_usd: agent 120, human 110");
    assertThat(r.disagreements().get(1).differences()).containsExactly(
        "tool: agent pay-invoice, human hold-invoice", "/amount_usd: only the agent set it (80)");
  }

  @Test
  void report_latestHumanActionPerKeyCounts_andSurvivesReopen() {
    ledger.capture("payments", "pay-invoice", "{\"amount_usd\":10}", "INV-1");
    ledger.recordHuman("payments", "pay-invoice", "{\"amount_usd\":11}", "INV-1");
    clock.advance(Duration.ofSeconds(1));
    ledger.recordHuman("payments", "pay-invoice", "{\"amount_usd\":10}", "INV-1");
    store.close();
    store = StateStore.open(dir.resolve("state.mv.db"));
    ledger = ShadowLedger.create(store, clock);

    ShadowReport r = ledger.report("payments");
    assertThat(r.pairs()).isEqualTo(1);
    assertThat(r.agreements()).isEqualTo(1);
    assertThat(ledger.report("nobody").agreementRate()).isZero();
  }

  @Test
  void recordHuman_badInput_refusedNamingTheField() {
    assertThatThrownBy(() -> ledger.recordHuman("payments", "pay-invoice", "{}", " "))
        .isInstanceOf(WardenException.class).hasMessageStartingWith("correlation_key: required");
    assertThatThrownBy(() -> ledger.recordHuman("payments", "", "{}", "INV-1"))
        .isInstanceOf(WardenException.class).hasMessageStartingWith("tool: required");
    assertThatThrownBy(() -> ledger.recordHuman("payments", "pay-invoice", "[1]", "INV-1"))
        .isInstanceOf(WardenException.class).hasMessageStartingWith("arguments: must be a JSON object");
    assertThat(ledger.actions("payments")).isEmpty();
  }
}
