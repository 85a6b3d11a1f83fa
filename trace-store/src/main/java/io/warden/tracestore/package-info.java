/**
 * Warden's data plane for agent telemetry: OTLP ingest (gRPC 4317, HTTP 4318) with a write-ahead log
 * behind every acknowledgement, spans mapped from the GenAI semantic conventions, the Lucene index
 * (full text, filters, costs) and an optional ClickHouse store, logical traces assembled across
 * sub-agent traces, and per-span pricing.
 *
 * <p>Contents:
 * <ul>
 *   <li>{@link io.warden.tracestore.TraceStore}: the facade the appliance starts and queries; built
 *       with {@link io.warden.tracestore.TraceStore#builder(java.nio.file.Path)};
 *   <li>{@link io.warden.tracestore.LogicalTrace}: one delegation tree across trace ids;
 *   <li>{@link io.warden.tracestore.SearchPage} and {@link io.warden.tracestore.SpanHit}: search
 *       results with highlights;
 *   <li>{@link io.warden.tracestore.TraceStoreHealth}: OK, DEGRADED or DOWN with figures.
 * </ul>
 *
 * <p>The propagation contract an SDK or executor follows so that sub-agents join one logical
 * trace is in {@code trace-store/README.md}.
 */
@NullMarked
package io.warden.tracestore;

import org.jspecify.annotations.NullMarked;
