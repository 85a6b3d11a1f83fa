package io.warden.core.budget;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * USD prices of model tokens, as {@code pricing.yaml} on {@code main} says. The trace store owns the
 * price list; this lookup lets the gateways estimate and settle budgets without depending on it.
 */
@FunctionalInterface
public interface TokenPrices {
  /** What a token written to a 5-minute prompt cache costs above plain input: Anthropic bills 1.25×. */
  BigDecimal CACHE_WRITE_5M_PREMIUM = new BigDecimal("0.25");
  /** What a token written to a 1-hour prompt cache costs above plain input: Anthropic bills 2×. */
  BigDecimal CACHE_WRITE_1H_PREMIUM = BigDecimal.ONE;

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

  /**
   * The cost of a call that also wrote to the provider's prompt cache: {@link #costUsd(String, String,
   * long, long, long)} plus the premium Anthropic bills on cache writes (1.25× the input
   * price for the 5-minute cache, 2× for the 1-hour one). The writes are input tokens, counted inside
   * {@code inputTokens} at 1× like every input token; only the premium is added here, and writes
   * beyond the uncached input are not counted. The one place cache writes are priced: the model
   * gateway settles budgets with it, the trace store prices spans with it.
   *
   * @param cacheWrite5mTokens input tokens written to the 5-minute cache (all writes when the
   *     provider does not split them by lifetime)
   * @param cacheWrite1hTokens input tokens written to the 1-hour cache
   */
  default @Nullable BigDecimal costUsd(String model, String revision, long inputTokens, long outputTokens,
      long cachedTokens, long cacheWrite5mTokens, long cacheWrite1hTokens) {
    BigDecimal base = costUsd(model, revision, inputTokens, outputTokens, cachedTokens);
    long uncached = Math.max(0, inputTokens - Math.max(0, cachedTokens));
    long write1h = Math.min(Math.max(0, cacheWrite1hTokens), uncached);
    long write5m = Math.min(Math.max(0, cacheWrite5mTokens), uncached - write1h);
    if (base == null || (write5m == 0 && write1h == 0)) {
      return base;
    }
    BigDecimal w5 = write5m == 0 ? BigDecimal.ZERO : costUsd(model, revision, write5m, 0, 0);
    BigDecimal w1 = write1h == 0 ? BigDecimal.ZERO : costUsd(model, revision, write1h, 0, 0);
    return w5 == null || w1 == null ? base
        : base.add(w5.multiply(CACHE_WRITE_5M_PREMIUM)).add(w1.multiply(CACHE_WRITE_1H_PREMIUM));
  }

  /** Prices nothing (every model unpriced). */
  TokenPrices NONE = (model, revision, in, out, cached) -> null;
}
