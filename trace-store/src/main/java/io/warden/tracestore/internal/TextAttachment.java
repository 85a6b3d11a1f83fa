package io.warden.tracestore.internal;

import java.util.Objects;

/**
 * Searchable text that arrived apart from its span: a GenAI log record (prompt, completion, tool
 * call) that names the span in its trace context. The Lucene store appends it to the span's text,
 * now or when the span arrives.
 *
 * <p>Internal: not public API.
 */
public record TextAttachment(String traceId, String spanId, String agent, long timeEpochNanos, String text) {
  public TextAttachment {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(spanId, "spanId");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(text, "text");
  }

  public String spanKey() {
    return traceId + ":" + spanId;
  }
}
