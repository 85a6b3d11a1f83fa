/**
 * Internal, not public API: from an authenticated export request to a log entry. The
 * {@link io.warden.tracestore.internal.ingest.IngestPipeline} decodes on a bounded worker pool,
 * the {@link io.warden.tracestore.internal.ingest.SpanMapper} maps the GenAI conventions, extracts
 * text, prices and attributes each span ({@link io.warden.tracestore.internal.ingest.AgentAttribution}),
 * and the {@link io.warden.tracestore.internal.ingest.IngestBatch} is what the log holds.
 */
@NullMarked
package io.warden.tracestore.internal.ingest;

import org.jspecify.annotations.NullMarked;
