package io.warden.tracestore;

import io.warden.core.trace.SpanRecord;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One logical agent trace: everything that happened for one original intent, across every trace id
 * that sub-agents started, as a tree. Spans carry the logical trace id and their full delegation
 * chain (outermost agent first).
 *
 * @param id the logical trace id: the trace id of the original intent's root
 * @param intent the original intent ({@code warden.intent}), or ""
 * @param traceIds every OpenTelemetry trace id that is part of it, oldest first
 * @param roots top-level spans (normally one), each with its subtree
 * @param agents agents that took part, in order of first appearance
 * @param errors every span that ended in error
 * @param costByAgent cost per agent in USD, highest first
 * @param totalCostUsd sum of all span costs
 * @param startEpochNanos earliest span start
 * @param endEpochNanos latest span end
 * @param spanCount number of spans
 * @param truncated true when the trace had more spans than one answer returns
 */
public record LogicalTrace(
    String id, String intent, List<String> traceIds, List<Node> roots, List<String> agents,
    List<SpanError> errors, Map<String, BigDecimal> costByAgent, BigDecimal totalCostUsd,
    long startEpochNanos, long endEpochNanos, int spanCount, boolean truncated) {

  public LogicalTrace {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(intent, "intent");
    traceIds = List.copyOf(traceIds);
    roots = List.copyOf(roots);
    agents = List.copyOf(agents);
    errors = List.copyOf(errors);
    costByAgent = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(costByAgent));
    Objects.requireNonNull(totalCostUsd, "totalCostUsd");
  }

  /**
   * A span and the spans under it. A child may be in another trace: the first span of a sub-agent
   * hangs under the span that delegated to it.
   *
   * @param delegatedFrom set when this span is the first of a sub-agent, reached across a trace
   *     boundary: how ({@code link}, {@code baggage}, or {@code token}: the scoped token it was
   *     exported with names the delegating span), else ""
   * @param delegationVerified false when the span's delegation chain (its own, or the one it
   *     inherits from the span above it) was only claimed in baggage or attributes and not backed
   *     by a scoped token carrying it ({@code warden.delegation.verified=false} at ingest); true when
   *     backed, or when the span claims no delegation
   */
  public record Node(SpanRecord span, String delegatedFrom, boolean delegationVerified, List<Node> children) {
    public Node {
      Objects.requireNonNull(span, "span");
      Objects.requireNonNull(delegatedFrom, "delegatedFrom");
      children = List.copyOf(children);
    }
  }

  /** A span that ended in error, with where it sat in the delegation. */
  public record SpanError(String traceId, String spanId, String agent, String name, String message,
      List<String> delegationChain) {
    public SpanError {
      delegationChain = List.copyOf(delegationChain);
    }
  }

  /** Every span of the tree, depth first. */
  public List<SpanRecord> spans() {
    List<SpanRecord> out = new java.util.ArrayList<>(spanCount);
    java.util.ArrayDeque<Node> stack = new java.util.ArrayDeque<>();
    for (int i = roots.size() - 1; i >= 0; i--) {
      stack.push(roots.get(i));
    }
    while (!stack.isEmpty()) {
      Node n = stack.pop();
      out.add(n.span());
      for (int i = n.children().size() - 1; i >= 0; i--) {
        stack.push(n.children().get(i));
      }
    }
    return out;
  }
}
