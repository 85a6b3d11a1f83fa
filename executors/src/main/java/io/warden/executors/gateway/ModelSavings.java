package io.warden.executors.gateway;

import java.math.BigDecimal;

/**
 * What routing and caching saved one agent since start: its model calls, how many were answered
 * from the response cache or by joining an identical call in flight, how many the small model
 * passed up to the pinned model, what the same calls would have cost sent unrouted and uncached to
 * the pinned model, and what they cost.
 */
public record ModelSavings(long calls, long cacheHits, long coalesced, long smallModelAnswers, long escalations,
    BigDecimal unroutedUsd, BigDecimal actualUsd) {

  /** {@code unroutedUsd - actualUsd}; negative when escalations cost more than routing saved. */
  public BigDecimal savedUsd() {
    return unroutedUsd.subtract(actualUsd);
  }
}
