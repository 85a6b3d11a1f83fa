package io.warden.core.trace;

import java.time.Instant;
import java.util.List;

/**
 * Persists spans and answers structured queries. Writes are idempotent on (traceId, spanId): the
 * write-ahead log replays after a crash may send a span twice. Implementations: Lucene (embedded
 * default, also the full-text index) and ClickHouse.
 */
public interface SpanStore extends AutoCloseable {

  /** ASCII name with a schema version, e.g. {@code lucene-v1}, {@code clickhouse-v1}. */
  String name();

  /** Stores a batch; returns when it is written (durability is the WAL's job). */
  void write(List<SpanRecord> spans) throws Exception;

  /** Matching spans, newest first, one page; {@link Page#nextCursor()} continues. */
  Page query(SpanQuery query) throws Exception;

  /** Cost rolled up by {@code agent}, {@code model}, {@code tool} or {@code day} over [from, to). */
  List<CostRow> costs(String groupBy, Instant from, Instant to) throws Exception;

  /** Whether the store can take writes now; false makes ingest keep spans in the WAL. */
  boolean healthy();

  @Override
  void close();

  record Page(List<SpanRecord> spans, String nextCursor) {
    public Page {
      spans = List.copyOf(spans);
    }
  }

  record CostRow(String key, java.math.BigDecimal tokensUsd, java.math.BigDecimal actionsUsd,
      java.math.BigDecimal computeUsd, java.math.BigDecimal totalUsd, long spans) {}
}
