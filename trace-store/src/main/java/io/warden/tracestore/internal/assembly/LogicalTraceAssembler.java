package io.warden.tracestore.internal.assembly;

import io.warden.core.trace.Delegation;
import io.warden.core.trace.SpanRecord;
import io.warden.tracestore.LogicalTrace;
import io.warden.tracestore.lucene.LuceneSpanStore;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds a {@link LogicalTrace} at query time. Starting from one id (a logical trace id or any trace
 * id in it) it gathers, round by round, the spans of every trace that is connected to those found so
 * far — by a span link, by a {@code warden.delegation} hop, or by the logical trace id assigned at
 * ingest — in both directions, then hangs each trace's root under the span it was delegated from.
 * Doing this at query time means the order in which spans arrive does not matter.
 *
 * <p>Internal: not public API.
 */
public final class LogicalTraceAssembler {
  private static final int MAX_ROUNDS = 32;

  private final LuceneSpanStore store;
  private final int maxSpans;

  public LogicalTraceAssembler(LuceneSpanStore store, int maxSpans) {
    this.store = store;
    this.maxSpans = maxSpans;
  }

  public Optional<LogicalTrace> assemble(String id) throws IOException {
    Map<String, SpanRecord> spans = new LinkedHashMap<>();
    Set<String> traces = new LinkedHashSet<>();
    Set<String> frontier = new LinkedHashSet<>(List.of(id));
    boolean truncated = false;
    for (int round = 0; round < MAX_ROUNDS && !frontier.isEmpty(); round++) {
      traces.addAll(frontier);
      int room = maxSpans - spans.size();
      if (room <= 0) {
        truncated = true;
        break;
      }
      List<SpanRecord> found = new ArrayList<>(store.spansOf(frontier, room + 1));
      found.addAll(store.spansLinkingTo(frontier, room + 1));
      Set<String> next = new LinkedHashSet<>();
      for (SpanRecord s : found) {
        if (spans.size() >= maxSpans) {
          truncated = true;
          break;
        }
        if (spans.putIfAbsent(s.key(), s) != null) {
          continue;
        }
        if (!traces.contains(s.traceId())) {
          next.add(s.traceId());
        }
        for (String t : referencedTraces(s)) {
          if (!traces.contains(t)) {
            next.add(t);
          }
        }
      }
      frontier = next;
    }
    if (spans.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(build(spans, truncated));
  }

  static Set<String> referencedTraces(SpanRecord s) {
    Set<String> out = new LinkedHashSet<>();
    for (String l : s.links()) {
      out.add(l.substring(0, l.indexOf(':')));
    }
    for (Delegation.Hop h : Delegation.parse(s.attributes().get(Delegation.ATTRIBUTE))) {
      out.add(h.traceId());
    }
    out.add(s.logicalTraceId());
    out.remove(s.traceId());
    return out;
  }

  private record Parent(String key, String how) {}

  /** Builds the tree from a closed set of spans. */
  static LogicalTrace build(Map<String, SpanRecord> spans, boolean truncated) {
    Map<String, Parent> parentOf = new HashMap<>();
    for (SpanRecord s : spans.values()) {
      Parent p = parent(s, spans);
      if (p != null) {
        parentOf.put(s.key(), p);
      }
    }
    // Links can form cycles in bad data: cut them so every span is reachable from a root once.
    for (String key : spans.keySet()) {
      Set<String> seen = new HashSet<>();
      String k = key;
      while (parentOf.containsKey(k)) {
        if (!seen.add(k)) {
          parentOf.remove(k);
          break;
        }
        k = parentOf.get(k).key();
      }
    }
    Map<String, List<String>> children = new HashMap<>();
    List<String> roots = new ArrayList<>();
    Comparator<String> byStart = Comparator.comparingLong((String k) -> spans.get(k).startEpochNanos())
        .thenComparing(k -> k);
    for (String key : spans.keySet()) {
      Parent p = parentOf.get(key);
      if (p == null) {
        roots.add(key);
      } else {
        children.computeIfAbsent(p.key(), x -> new ArrayList<>()).add(key);
      }
    }
    roots.sort(byStart);
    children.values().forEach(c -> c.sort(byStart));

    String logicalId = logicalId(roots, spans);
    Map<String, List<String>> chains = new HashMap<>();
    List<LogicalTrace.Node> rootNodes = new ArrayList<>();
    for (String r : roots) {
      rootNodes.add(node(r, List.of(), true, null, spans, parentOf, children, chains, logicalId));
    }

    String intent = "";
    if (!roots.isEmpty()) {
      intent = spans.get(roots.get(0)).intent();
    }
    List<SpanRecord> byTime = new ArrayList<>(spans.values());
    byTime.sort(Comparator.comparingLong(SpanRecord::startEpochNanos));
    if (intent.isEmpty()) {
      intent = byTime.stream().map(SpanRecord::intent).filter(i -> !i.isEmpty()).findFirst().orElse("");
    }
    Set<String> traceIds = new LinkedHashSet<>();
    Set<String> agents = new LinkedHashSet<>();
    Map<String, BigDecimal> costs = new HashMap<>();
    BigDecimal total = BigDecimal.ZERO;
    List<LogicalTrace.SpanError> errors = new ArrayList<>();
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    for (SpanRecord s : byTime) {
      traceIds.add(s.traceId());
      agents.add(s.agent());
      costs.merge(s.agent(), s.costUsd(), BigDecimal::add);
      total = total.add(s.costUsd());
      start = Math.min(start, s.startEpochNanos());
      end = Math.max(end, s.endEpochNanos());
      if ("ERROR".equals(s.status())) {
        errors.add(new LogicalTrace.SpanError(s.traceId(), s.spanId(), s.agent(), s.name(), s.statusMessage(),
            chains.getOrDefault(s.key(), s.delegationChain())));
      }
    }
    Map<String, BigDecimal> sortedCosts = new LinkedHashMap<>();
    costs.entrySet().stream()
        .sorted(Map.Entry.<String, BigDecimal>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .forEach(e -> sortedCosts.put(e.getKey(), e.getValue()));
    return new LogicalTrace(logicalId, intent, List.copyOf(traceIds), rootNodes, List.copyOf(agents), errors,
        sortedCosts, total, start, end, spans.size(), truncated);
  }

  private static Parent parent(SpanRecord s, Map<String, SpanRecord> spans) {
    if (!s.parentSpanId().isEmpty()) {
      String k = s.traceId() + ":" + s.parentSpanId();
      if (spans.containsKey(k)) {
        return new Parent(k, "");
      }
    }
    List<Delegation.Hop> hops = Delegation.parse(s.attributes().get(Delegation.ATTRIBUTE));
    if (!hops.isEmpty()) {
      String k = hops.get(hops.size() - 1).spanKey();
      if (spans.containsKey(k) && !k.equals(s.key()) && !hops.get(hops.size() - 1).traceId().equals(s.traceId())) {
        // The hops came from the exporting scoped token (identity-carried) or from baggage.
        return new Parent(k, "token".equals(s.attributes().get("warden.delegation.source")) ? "token" : "baggage");
      }
    }
    for (String l : s.links()) {
      if (spans.containsKey(l) && !l.startsWith(s.traceId() + ":")) {
        return new Parent(l, "link");
      }
    }
    return null;
  }

  private static String logicalId(List<String> roots, Map<String, SpanRecord> spans) {
    // The original intent's root: the earliest root that does not point into another trace of the set.
    Set<String> traceIds = new HashSet<>();
    for (SpanRecord s : spans.values()) {
      traceIds.add(s.traceId());
    }
    for (String r : roots) {
      SpanRecord s = spans.get(r);
      boolean pointsElsewhere = false;
      for (String t : referencedTraces(s)) {
        if (traceIds.contains(t)) {
          pointsElsewhere = true;
          break;
        }
      }
      if (!pointsElsewhere) {
        return s.traceId();
      }
    }
    return spans.get(roots.get(0)).traceId();
  }

  private static LogicalTrace.Node node(String key, List<String> parentChain, boolean parentVerified, Parent via,
      Map<String, SpanRecord> spans, Map<String, Parent> parentOf, Map<String, List<String>> children,
      Map<String, List<String>> chains, String logicalId) {
    SpanRecord s = spans.get(key);
    List<String> chain;
    boolean verified = !"false".equals(s.attributes().get(Delegation.VERIFIED_ATTRIBUTE));
    if (s.delegationChain().size() > 1 || parentChain.isEmpty()) {
      chain = s.delegationChain().isEmpty() ? List.of(s.agent()) : s.delegationChain();
    } else {
      verified &= parentVerified; // the chain is the parent's, and as trustworthy
      List<String> c = new ArrayList<>(parentChain);
      if (!c.get(c.size() - 1).equals(s.agent())) {
        c.add(s.agent());
      }
      chain = List.copyOf(c);
    }
    chains.put(key, chain);
    List<LogicalTrace.Node> kids = new ArrayList<>();
    for (String c : children.getOrDefault(key, List.of())) {
      kids.add(node(c, chain, verified, parentOf.get(c), spans, parentOf, children, chains, logicalId));
    }
    return new LogicalTrace.Node(s.withLogicalTrace(logicalId, chain), via == null ? "" : via.how(), verified,
        kids);
  }
}
