package io.warden.core.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one unit of work asks of the ledger, with the limits that apply to it.
 *
 * @param agent the agent charged
 * @param callsPerHour the descriptor's {@code spec.budgets.calls_per_hour}, or null for no limit
 * @param usdPerDay the descriptor's {@code spec.budgets.usd_per_day} (UTC days), or null for no limit
 * @param tokenKey the scoped token charged besides the agent, or "" when the caller used its credential
 * @param tokenUsdBudget the token's {@code usd_budget} over its whole life, or null for no cap
 * @param tokenExpiresAt when the token expires (when its budget can no longer matter), or null
 * @param calls how many calls this is (1 for a model call)
 * @param estimatedUsd the most the work is expected to cost; reserved until settled
 */
public record BudgetRequest(
    String agent, @Nullable Integer callsPerHour, @Nullable BigDecimal usdPerDay, String tokenKey,
    @Nullable BigDecimal tokenUsdBudget, @Nullable Instant tokenExpiresAt, int calls, BigDecimal estimatedUsd) {
  public BudgetRequest {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(tokenKey, "tokenKey");
    Objects.requireNonNull(estimatedUsd, "estimatedUsd");
    if (calls < 0) {
      throw new IllegalArgumentException("calls must not be negative, got " + calls);
    }
    if (estimatedUsd.signum() < 0) {
      throw new IllegalArgumentException("estimatedUsd must not be negative, got " + estimatedUsd.toPlainString());
    }
  }
}
