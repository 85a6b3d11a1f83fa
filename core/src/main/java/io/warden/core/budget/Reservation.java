package io.warden.core.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * Budget held for work in flight; hand it back to {@link BudgetLedger#settle} or
 * {@link BudgetLedger#release} exactly once.
 *
 * @param agent the agent charged
 * @param tokenKey the token charged too, or ""
 * @param calls the calls counted
 * @param estimatedUsd the amount held
 * @param at when it was reserved (decides the hour and day it counts in)
 */
public record Reservation(String agent, String tokenKey, int calls, BigDecimal estimatedUsd, Instant at) {
  public Reservation {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(tokenKey, "tokenKey");
    Objects.requireNonNull(estimatedUsd, "estimatedUsd");
    Objects.requireNonNull(at, "at");
  }
}
