/**
 * The data-plane SPI for spans: the {@link io.warden.core.trace.SpanRecord} model (OpenTelemetry
 * spans mapped to the GenAI semantic conventions plus Warden's own attributes), the
 * {@link io.warden.core.trace.SpanStore} that persists and queries them (with
 * {@link io.warden.core.trace.SpanText} for text that arrives apart and
 * {@link io.warden.core.trace.SpanCost} for the cost split every store rolls up), the
 * {@link io.warden.core.trace.Delegation} baggage format agents and gateways write, and the
 * {@link io.warden.core.trace.SpanCodec} binary form. The trace-store module implements the store
 * twice: Lucene (embedded default) and ClickHouse (scale).
 */
@NullMarked
package io.warden.core.trace;

import org.jspecify.annotations.NullMarked;
