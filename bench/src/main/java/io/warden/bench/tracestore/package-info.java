/**
 * Benchmarks of the trace store: OTLP ingest throughput with many concurrent real OpenTelemetry SDK
 * exporters (HTTP/protobuf and gRPC), and search latency over a large Lucene span index.
 *
 * <p>Contents: {@link io.warden.bench.tracestore.OtlpIngestBench},
 * {@link io.warden.bench.tracestore.SpanSearchBench}.
 */
@NullMarked
package io.warden.bench.tracestore;

import org.jspecify.annotations.NullMarked;
