package io.warden.core.trace;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One span as Warden stores it. Ids are lowercase hex (trace 32, span 16 characters).
 *
 * @param traceId the OpenTelemetry trace id
 * @param spanId the span id
 * @param parentSpanId the parent span id, or "" for a root
 * @param logicalTraceId the logical trace this span belongs to (the trace id of the original intent's
 *     root), assigned at ingest from links, baggage or the delegation chain
 * @param name span name
 * @param service {@code service.name} of the resource
 * @param agent the Warden agent the span is attributed to (authenticated at ingest)
 * @param operation {@code gen_ai.operation.name} (invoke_agent, chat, execute_tool, ...), or ""
 * @param startEpochNanos start time
 * @param endEpochNanos end time (never before start)
 * @param status OK, ERROR or UNSET
 * @param statusMessage error description, or ""
 * @param requestModel {@code gen_ai.request.model}, or ""
 * @param responseModel {@code gen_ai.response.model}, or ""
 * @param inputTokens {@code gen_ai.usage.input_tokens}
 * @param outputTokens {@code gen_ai.usage.output_tokens}
 * @param cachedTokens cached input tokens
 * @param toolName {@code gen_ai.tool.name}, or ""
 * @param conversationId {@code gen_ai.conversation.id}, or ""
 * @param intent {@code warden.intent}: the original intent, as propagated
 * @param delegationChain {@code warden.delegation.chain}: agents from the original caller to this one
 * @param costUsd priced cost of this span (tokens + action + compute)
 * @param text searchable text: prompts, completions, reasoning, tool arguments and results
 * @param attributes other attributes, stringified
 * @param links span links as {@code traceId:spanId}
 */
public record SpanRecord(
    String traceId, String spanId, String parentSpanId, String logicalTraceId, String name,
    String service, String agent, String operation, long startEpochNanos, long endEpochNanos,
    String status, String statusMessage, String requestModel, String responseModel,
    long inputTokens, long outputTokens, long cachedTokens, String toolName, String conversationId,
    String intent, List<String> delegationChain, BigDecimal costUsd, String text,
    Map<String, String> attributes, List<String> links) {
  public SpanRecord {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(spanId, "spanId");
    Objects.requireNonNull(parentSpanId, "parentSpanId");
    Objects.requireNonNull(logicalTraceId, "logicalTraceId");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(statusMessage, "statusMessage");
    Objects.requireNonNull(requestModel, "requestModel");
    Objects.requireNonNull(responseModel, "responseModel");
    Objects.requireNonNull(toolName, "toolName");
    Objects.requireNonNull(conversationId, "conversationId");
    Objects.requireNonNull(intent, "intent");
    delegationChain = List.copyOf(delegationChain);
    Objects.requireNonNull(costUsd, "costUsd");
    Objects.requireNonNull(text, "text");
    attributes = Map.copyOf(attributes);
    links = List.copyOf(links);
    if (endEpochNanos < startEpochNanos) {
      throw new IllegalArgumentException("span " + spanId + " ends before it starts");
    }
  }

  public long durationNanos() {
    return endEpochNanos - startEpochNanos;
  }

  /** {@code traceId:spanId}: what stores are idempotent on. */
  public String key() {
    return traceId + ":" + spanId;
  }

  /** This span with another searchable text. */
  public SpanRecord withText(String newText) {
    return new SpanRecord(traceId, spanId, parentSpanId, logicalTraceId, name, service, agent, operation,
        startEpochNanos, endEpochNanos, status, statusMessage, requestModel, responseModel, inputTokens,
        outputTokens, cachedTokens, toolName, conversationId, intent, delegationChain, costUsd, newText,
        attributes, links);
  }

  /** This span in another logical trace, with another delegation chain. */
  public SpanRecord withLogicalTrace(String newLogicalTraceId, List<String> chain) {
    return new SpanRecord(traceId, spanId, parentSpanId, newLogicalTraceId, name, service, agent, operation,
        startEpochNanos, endEpochNanos, status, statusMessage, requestModel, responseModel, inputTokens,
        outputTokens, cachedTokens, toolName, conversationId, intent, chain, costUsd, text, attributes, links);
  }
}
