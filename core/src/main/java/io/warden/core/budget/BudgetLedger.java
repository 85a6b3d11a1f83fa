package io.warden.core.budget;

import io.warden.core.budget.internal.StoreBudgetLedger;
import io.warden.core.store.StateStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;

/**
 * Per-agent and per-token budgets, charged by every part of the execution plane. Work reserves its
 * estimated cost before it starts ({@link #reserve}), which fails when a limit would be passed, and
 * settles the real cost afterwards ({@link #settle}) or hands the reservation back when nothing was
 * spent ({@link #release}). Reserving is atomic per agent, so concurrent callers are never
 * overspent by more than what their reservations under-estimated.
 *
 * <p>Counters survive a restart (they live in the {@link StateStore}). Thread-safe.
 */
public interface BudgetLedger extends AutoCloseable {

  /**
   * Counts the calls and holds the estimate against every limit in {@code request}.
   *
   * @throws BudgetExceededException naming the first budget that has no room
   */
  Reservation reserve(BudgetRequest request);

  /** Replaces the held estimate with {@code actualUsd}; the calls stay counted. */
  void settle(Reservation reservation, BigDecimal actualUsd);

  /** Hands the whole reservation back: the calls and the estimate are uncounted. */
  void release(Reservation reservation);

  /** What {@code agent} (and {@code tokenKey}, "" for none) has used now. */
  BudgetUsage usage(String agent, String tokenKey);

  /** Writes what is not on disk yet. */
  @Override
  void close();

  /**
   * A ledger kept in {@code store}'s {@code budget_ledger} table. With {@code persistEvery} zero
   * every change is on disk before the call returns; otherwise changes are written in batches at
   * most that far apart (and on {@link #close()}), so a crash forgets at most that much spending.
   */
  static BudgetLedger open(StateStore store, Clock clock, Duration persistEvery) {
    return StoreBudgetLedger.open(store, clock, persistEvery);
  }
}
