/**
 * Data plane: OTLP receivers, the GenAI span model, Lucene and ClickHouse stores, logical traces and
 * cost. Filled by the trace-store issue.
 */
package io.warden.tracestore;
