package io.warden.core.budget;

import io.warden.core.WardenException;
import java.time.Duration;
import java.util.Objects;

/**
 * A refusal because a budget is used up; code {@code budget_exceeded} (HTTP 429). The message names
 * the budget, what was used and the limit; {@link #retryAfter()} is when the budget has room again.
 */
public final class BudgetExceededException extends WardenException {
  private static final long serialVersionUID = 1L;

  private final String budget;
  private final transient Duration retryAfter;

  public BudgetExceededException(String budget, String message, Duration retryAfter) {
    super("budget_exceeded", message);
    this.budget = Objects.requireNonNull(budget, "budget");
    this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
  }

  /** {@code calls_per_hour}, {@code usd_per_day} or {@code token.usd_budget}. */
  public String budget() {
    return budget;
  }

  /** How long until the budget has room again (at least one second). */
  public Duration retryAfter() {
    return retryAfter;
  }
}
