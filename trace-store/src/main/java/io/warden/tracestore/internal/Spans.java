package io.warden.tracestore.internal;

import io.warden.core.trace.SpanRecord;
import java.util.List;

/**
 * Copies of a {@link SpanRecord} with one component changed.
 *
 * <p>Internal: not public API.
 */
public final class Spans {
  private Spans() {}

  public static String key(SpanRecord s) {
    return s.traceId() + ":" + s.spanId();
  }

  public static SpanRecord withText(SpanRecord s, String text) {
    return new SpanRecord(s.traceId(), s.spanId(), s.parentSpanId(), s.logicalTraceId(), s.name(), s.service(),
        s.agent(), s.operation(), s.startEpochNanos(), s.endEpochNanos(), s.status(), s.statusMessage(),
        s.requestModel(), s.responseModel(), s.inputTokens(), s.outputTokens(), s.cachedTokens(), s.toolName(),
        s.conversationId(), s.intent(), s.delegationChain(), s.costUsd(), text, s.attributes(), s.links());
  }

  public static SpanRecord withLogicalTrace(SpanRecord s, String logicalTraceId, List<String> chain) {
    return new SpanRecord(s.traceId(), s.spanId(), s.parentSpanId(), logicalTraceId, s.name(), s.service(),
        s.agent(), s.operation(), s.startEpochNanos(), s.endEpochNanos(), s.status(), s.statusMessage(),
        s.requestModel(), s.responseModel(), s.inputTokens(), s.outputTokens(), s.cachedTokens(), s.toolName(),
        s.conversationId(), s.intent(), chain, s.costUsd(), s.text(), s.attributes(), s.links());
  }
}
