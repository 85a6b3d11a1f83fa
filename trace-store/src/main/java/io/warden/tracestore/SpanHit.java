package io.warden.tracestore;

import io.warden.core.trace.SpanRecord;
import java.util.List;
import java.util.Objects;

/**
 * One search result: the span and the passages of its text that matched, with matches marked
 * {@code <em>...</em>} and the rest HTML-escaped.
 */
public record SpanHit(SpanRecord span, List<String> highlights) {
  public SpanHit {
    Objects.requireNonNull(span, "span");
    highlights = List.copyOf(highlights);
  }
}
