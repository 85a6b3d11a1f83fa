/**
 * The ClickHouse span store ({@code clickhouse-v1}): spans in a {@code ReplacingMergeTree} table
 * partitioned by day with TTL retention, written and queried through the official ClickHouse JDBC
 * driver over HTTP. It answers the structured queries and cost roll-ups at scale; the Lucene store
 * keeps the full-text index, so {@link io.warden.core.trace.SpanQuery#text()} is ignored here.
 *
 * <p>Contents:
 * <ul>
 *   <li>{@link io.warden.tracestore.clickhouse.ClickHouseSpanStore}: the
 *       {@link io.warden.core.trace.SpanStore} implementation; create it with
 *       {@link io.warden.tracestore.clickhouse.ClickHouseSpanStore#builder(String)};
 *   <li>{@link io.warden.tracestore.clickhouse.ClickHouseSpanStoreBuilder}: URL, credentials,
 *       retention and timeouts.
 * </ul>
 *
 * <p>What is verified against a real ClickHouse engine, and what is not, is written in
 * {@code trace-store/README-clickhouse.md}.
 */
@NullMarked
package io.warden.tracestore.clickhouse;

import org.jspecify.annotations.NullMarked;
