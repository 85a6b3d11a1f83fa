package io.warden.core.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.store.StateStore;
import io.warden.testing.MutableClock;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BudgetLedgerTest {
  @TempDir Path dir;
  final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T10:15:30Z"));
  StateStore store;
  BudgetLedger ledger;

  @BeforeEach
  void open() {
    store = StateStore.open(dir.resolve("state.mv"));
    ledger = BudgetLedger.open(store, clock, Duration.ZERO);
  }

  @AfterEach
  void close() {
    ledger.close();
    store.close();
  }

  static BudgetRequest call(Integer perHour, String perDay, String estimate) {
    return new BudgetRequest("a", perHour, perDay == null ? null : new BigDecimal(perDay), "", null, null, 1,
        new BigDecimal(estimate));
  }

  @Test
  void reserve_overCallsPerHour_namesTheBudgetAndWhenItFrees() {
    ledger.reserve(call(2, null, "0"));
    clock.advance(Duration.ofMinutes(10));
    ledger.reserve(call(2, null, "0"));

    assertThatThrownBy(() -> ledger.reserve(call(2, null, "0")))
        .isInstanceOfSatisfying(BudgetExceededException.class, e -> {
          assertThat(e.budget()).isEqualTo("calls_per_hour");
          assertThat(e.getMessage()).contains("2 of 2 calls");
          // The first call (minute 10:15) leaves the window at 11:15; now is 10:25:30.
          assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(49).plusSeconds(30));
        });
    clock.advance(Duration.ofMinutes(50));
    assertThat(ledger.reserve(call(2, null, "0")).calls()).isEqualTo(1);
  }

  @Test
  void reserve_overUsdPerDay_waitsForMidnightUtc() {
    Reservation r = ledger.reserve(call(null, "1.00", "0.80"));
    assertThatThrownBy(() -> ledger.reserve(call(null, "1.00", "0.30")))
        .isInstanceOfSatisfying(BudgetExceededException.class, e -> {
          assertThat(e.budget()).isEqualTo("usd_per_day");
          assertThat(e.retryAfter()).isEqualTo(Duration.between(clock.instant(), Instant.parse("2026-12-01T00:00:00Z")));
        });
    ledger.settle(r, new BigDecimal("0.10"));
    assertThat(ledger.reserve(call(null, "1.00", "0.30"))).isNotNull();
    assertThat(ledger.usage("a", "").usdSpentToday()).isEqualByComparingTo("0.40");
    clock.advance(Duration.ofDays(1));
    assertThat(ledger.usage("a", "").usdSpentToday()).isEqualByComparingTo("0");
  }

  @Test
  void release_uncountsTheCallAndTheEstimate() {
    Reservation r = ledger.reserve(call(1, "1", "0.5"));
    ledger.release(r);
    BudgetUsage u = ledger.usage("a", "");
    assertThat(u.callsLastHour()).isZero();
    assertThat(u.usdSpentToday()).isEqualByComparingTo("0");
    assertThat(ledger.reserve(call(1, "1", "0.5"))).isNotNull();
  }

  @Test
  void tokenBudget_isChargedBesideTheAgent() {
    BudgetRequest withToken = new BudgetRequest("a", null, null, "cred/s1/1", new BigDecimal("0.5"),
        clock.instant().plusSeconds(600), 1, new BigDecimal("0.4"));
    ledger.reserve(withToken);
    assertThatThrownBy(() -> ledger.reserve(withToken))
        .isInstanceOfSatisfying(BudgetExceededException.class, e -> {
          assertThat(e.budget()).isEqualTo("token.usd_budget");
          assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(600));
        });
    assertThat(ledger.usage("a", "cred/s1/1").tokenUsdSpent()).isEqualByComparingTo("0.4");
  }

  @Test
  void counters_surviveReopening_inBothWriteModes() {
    ledger.reserve(call(null, null, "0.25"));
    ledger.close();
    store.close();
    store = StateStore.open(dir.resolve("state.mv"));
    ledger = BudgetLedger.open(store, clock, Duration.ofHours(1)); // batched: close() must write
    assertThat(ledger.usage("a", "").usdSpentToday()).isEqualByComparingTo("0.25");
    ledger.reserve(call(null, null, "0.25"));
    ledger.close();
    store.close();
    store = StateStore.open(dir.resolve("state.mv"));
    ledger = BudgetLedger.open(store, clock, Duration.ZERO);
    assertThat(ledger.usage("a", "").usdSpentToday()).isEqualByComparingTo("0.50");
    assertThat(ledger.usage("a", "").callsLastHour()).isEqualTo(2);
  }

  @Test
  void concurrentReservations_neverPassTheLimit() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<Boolean>> tasks = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        tasks.add(() -> {
          try {
            ledger.reserve(call(1000, "1.00", "0.03"));
            return true;
          } catch (BudgetExceededException e) {
            return false;
          }
        });
      }
      int ok = 0;
      for (Future<Boolean> f : pool.invokeAll(tasks, 30, TimeUnit.SECONDS)) {
        ok += f.get() ? 1 : 0;
      }
      assertThat(ok).isEqualTo(33); // 33 x 0.03 = 0.99 <= 1.00 < 34 x 0.03
      assertThat(ledger.usage("a", "").usdSpentToday()).isEqualByComparingTo("0.99");
    } finally {
      pool.shutdownNow();
    }
  }
}
