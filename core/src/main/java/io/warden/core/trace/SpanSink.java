package io.warden.core.trace;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Takes spans produced inside Warden itself (the model gateway's GenAI spans) into the trace store,
 * the same way spans ingested over OTLP are stored: durable, searchable, part of the logical trace.
 */
@FunctionalInterface
public interface SpanSink {

  /** Completes when the span is durable (or fails, e.g. when the store sheds load). */
  CompletionStage<Void> write(SpanRecord span);

  /** Drops every span. */
  SpanSink NOOP = span -> CompletableFuture.completedFuture(null);
}
