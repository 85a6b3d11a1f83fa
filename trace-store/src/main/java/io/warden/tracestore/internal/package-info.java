/**
 * Internal: the machinery behind {@link io.warden.tracestore.TraceStore}. This package is not public
 * API; its classes can change at any time.
 *
 * <p>Contents: the OTLP receivers ({@link io.warden.tracestore.internal.OtlpHttpReceiver},
 * {@link io.warden.tracestore.internal.OtlpGrpcReceiver}) in front of the
 * {@link io.warden.tracestore.internal.IngestPipeline} (authenticate, decode, map, append), the
 * {@link io.warden.tracestore.internal.SpanMapper} (GenAI conventions, agent claims, text,
 * pricing), the group-commit {@link io.warden.tracestore.internal.WriteAheadLog}, one
 * {@link io.warden.tracestore.internal.StoreApplier} per store, and the
 * {@link io.warden.tracestore.internal.LogicalTraceAssembler}.
 */
@NullMarked
package io.warden.tracestore.internal;

import org.jspecify.annotations.NullMarked;
