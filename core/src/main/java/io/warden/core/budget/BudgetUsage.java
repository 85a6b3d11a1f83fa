package io.warden.core.budget;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * What an agent (and a token) has used, reservations in flight included.
 *
 * @param callsLastHour calls in the sliding hour (minute resolution)
 * @param usdSpentToday USD charged in the current UTC day
 * @param tokenUsdSpent USD charged to the token over its life (0 without a token)
 */
public record BudgetUsage(long callsLastHour, BigDecimal usdSpentToday, BigDecimal tokenUsdSpent) {
  public BudgetUsage {
    Objects.requireNonNull(usdSpentToday, "usdSpentToday");
    Objects.requireNonNull(tokenUsdSpent, "tokenUsdSpent");
  }
}
