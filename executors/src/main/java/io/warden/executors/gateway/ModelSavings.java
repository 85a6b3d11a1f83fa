package io.warden.executors.gateway;

import java.math.BigDecimal;

/**
 * What routing and caching saved one agent since start: its model calls, how many were answered
 * from the response cache or by joining an identical call in flight, how many the small model
 * passed up to the pinned model, what the same calls would have cost sent unrouted and uncached to
 * the pinned model, and what they cost. Apart from those: {@code promptCacheSavedUsd}, what the
 * providers' prompt caches saved on the calls that went upstream (cached input tokens priced at the
 * input price minus what they were charged at the cache-read price).
 */
public record ModelSavings(long calls, long cacheHits, long coalesced, long smallModelAnswers, long escalations,
    BigDecimal unroutedUsd, BigDecimal actualUsd, BigDecimal promptCacheSavedUsd) {

  /** Without prompt-cache savings. */
  public ModelSavings(long calls, long cacheHits, long coalesced, long smallModelAnswers, long escalations,
      BigDecimal unroutedUsd, BigDecimal actualUsd) {
    this(calls, cacheHits, coalesced, smallModelAnswers, escalations, unroutedUsd, actualUsd, BigDecimal.ZERO);
  }

  /** {@code unroutedUsd - actualUsd}; negative when escalations cost more than routing saved. */
  public BigDecimal savedUsd() {
    return unroutedUsd.subtract(actualUsd);
  }
}
