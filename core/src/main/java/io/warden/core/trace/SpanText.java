package io.warden.core.trace;

import java.util.Objects;

/**
 * Searchable text that arrived apart from its span: a GenAI log record (prompt, completion, tool
 * call) that names the span in its trace context. A store with full-text search appends it to the
 * span's text, now or when the span arrives ({@link SpanStore#attach}).
 *
 * @param traceId the span's trace id (32 lowercase hex)
 * @param spanId the span's id (16 lowercase hex)
 * @param agent the agent the text is attributed to
 * @param timeEpochNanos when the record was emitted
 * @param text the text
 */
public record SpanText(String traceId, String spanId, String agent, long timeEpochNanos, String text) {
  public SpanText {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(spanId, "spanId");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(text, "text");
  }

  /** {@code traceId:spanId}, the key of the span it belongs to. */
  public String spanKey() {
    return traceId + ":" + spanId;
  }
}
