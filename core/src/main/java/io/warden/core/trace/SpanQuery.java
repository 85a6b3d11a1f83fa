package io.warden.core.trace;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * Structured filters over spans; every field is optional (null or ""). Full-text search is the
 * Lucene store's job; structured stores ignore {@code text}.
 *
 * @param text a Lucene query over the searchable text and fields
 * @param cursor opaque pagination cursor from the previous page, or null
 * @param limit page size, 1..1000
 */
public record SpanQuery(
    String text, String agent, String model, String status, Instant from, Instant to,
    BigDecimal minCostUsd, String traceId, String logicalTraceId, String cursor, int limit) {
  public SpanQuery {
    if (limit < 1 || limit > 1000) {
      throw new IllegalArgumentException("limit must be 1..1000, got " + limit);
    }
  }
}
