/**
 * The data-plane SPI for spans: the {@link io.warden.core.trace.SpanRecord} model (OpenTelemetry
 * spans mapped to the GenAI semantic conventions plus Warden's own attributes) and the
 * {@link io.warden.core.trace.SpanStore} that persists and queries them. The trace-store module
 * implements it twice: Lucene (embedded default) and ClickHouse (scale).
 */
@NullMarked
package io.warden.core.trace;

import org.jspecify.annotations.NullMarked;
