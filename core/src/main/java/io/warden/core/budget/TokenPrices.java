package io.warden.core.budget;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * USD prices of model tokens, as {@code pricing.yaml} on {@code main} says. The trace store owns the
 * price list; this lookup lets the gateways estimate and settle budgets without depending on it.
 */
@FunctionalInterface
public interface TokenPrices {

  /**
   * The cost of a call, or null when the model has no price.
   *
   * @param model the model as reported (a snapshot id such as {@code gpt-4o-2024-08-06}) or requested
   * @param revision the pinned revision, or ""
   * @param inputTokens input tokens, cached ones included
   * @param outputTokens output tokens, reasoning included
   * @param cachedTokens input tokens read from the provider's prompt cache
   */
  @Nullable BigDecimal costUsd(String model, String revision, long inputTokens, long outputTokens, long cachedTokens);

  /** Prices nothing (every model unpriced). */
  TokenPrices NONE = (model, revision, in, out, cached) -> null;
}
