package io.warden.tracestore.internal.assembly;

import io.warden.core.trace.Delegation;
import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.trace.SpanRecord;
import io.warden.tracestore.LogicalTrace;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogicalTraceAssemblerTest {
  static final String T1 = "11111111111111111111111111111111";
  static final String T2 = "22222222222222222222222222222222";
  static final String T3 = "33333333333333333333333333333333";

  static SpanRecord span(String trace, String id, String parent, String agent, long start, String status,
      String cost, String intent, Map<String, String> attrs, List<String> links) {
    return new SpanRecord(trace, p(id), parent.isEmpty() ? "" : p(parent), trace, "op " + id, "svc", agent, "", start, start + 10, status, "",
        "", "", 0, 0, 0, "", "", intent, List.of(agent), new BigDecimal(cost), "", attrs, links);
  }

  /** A 16-hex-digit span id from a short one. */
  static String p(String id) {
    return "0".repeat(16 - id.length()) + id;
  }

  private static Map<String, SpanRecord> byKey(SpanRecord... spans) {
    Map<String, SpanRecord> m = new LinkedHashMap<>();
    for (SpanRecord s : spans) {
      m.put(s.key(), s);
    }
    return m;
  }

  @Test
  void build_linkAndBaggageAcrossTraces_makeOneTreeWithChains() {
    SpanRecord root = span(T1, "a1", "", "planner", 1, "OK", "0.10", "pay invoice", Map.of(), List.of());
    SpanRecord delegate = span(T1, "a2", "a1", "planner", 2, "OK", "0", "", Map.of(), List.of());
    SpanRecord sub = span(T2, "b1", "", "researcher", 3, "OK", "0.20", "", Map.of(), List.of(T1 + ":" + p("a2")));
    SpanRecord subChild = span(T2, "b2", "b1", "researcher", 4, "ERROR", "0.05", "", Map.of(), List.of());
    SpanRecord tool = span(T3, "c1", "", "researcher", 5, "OK", "0.01", "",
        Map.of(Delegation.ATTRIBUTE, "planner@" + T1 + ":" + p("a2") + ",researcher@" + T2 + ":" + p("b2")), List.of());
    LogicalTrace t = LogicalTraceAssembler.build(byKey(tool, subChild, sub, delegate, root), false);

    assertThat(t.id()).isEqualTo(T1);
    assertThat(t.intent()).isEqualTo("pay invoice");
    assertThat(t.traceIds()).containsExactly(T1, T2, T3);
    assertThat(t.roots()).hasSize(1);
    LogicalTrace.Node r = t.roots().get(0);
    LogicalTrace.Node s = r.children().get(0).children().get(0);
    assertThat(s.span().spanId()).isEqualTo(p("b1"));
    assertThat(s.delegatedFrom()).isEqualTo("link");
    assertThat(s.span().delegationChain()).containsExactly("planner", "researcher");
    LogicalTrace.Node toolNode = s.children().get(0).children().get(0);
    assertThat(toolNode.span().spanId()).isEqualTo(p("c1"));
    assertThat(toolNode.delegatedFrom()).isEqualTo("baggage");
    assertThat(t.spans()).allSatisfy(x -> assertThat(x.logicalTraceId()).isEqualTo(T1));
    assertThat(t.errors()).singleElement().satisfies(e -> {
      assertThat(e.spanId()).isEqualTo(p("b2"));
      assertThat(e.delegationChain()).containsExactly("planner", "researcher");
    });
    assertThat(t.costByAgent()).containsExactly(Map.entry("researcher", new BigDecimal("0.26")),
        Map.entry("planner", new BigDecimal("0.10")));
    assertThat(t.totalCostUsd()).isEqualByComparingTo("0.36");
    assertThat(t.agents()).containsExactly("planner", "researcher");
  }

  @Test
  void build_missingDelegatingSpan_keepsTheSubTraceAsASecondRoot() {
    SpanRecord root = span(T1, "a1", "", "planner", 1, "OK", "0", "", Map.of(), List.of());
    SpanRecord orphan = span(T2, "b1", "", "researcher", 3, "OK", "0", "", Map.of(), List.of(T1 + ":" + p("ff")));
    LogicalTrace t = LogicalTraceAssembler.build(byKey(root, orphan), false);
    assertThat(t.roots()).extracting(n -> n.span().spanId()).containsExactly(p("a1"), p("b1"));
    assertThat(t.id()).isEqualTo(T1);
  }

  @Test
  void build_linkCycle_isCutSoEverySpanAppearsOnce() {
    SpanRecord a = span(T1, "a1", "", "planner", 1, "OK", "0", "", Map.of(), List.of(T2 + ":" + p("b1")));
    SpanRecord b = span(T2, "b1", "", "researcher", 2, "OK", "0", "", Map.of(), List.of(T1 + ":" + p("a1")));
    LogicalTrace t = LogicalTraceAssembler.build(byKey(a, b), false);
    assertThat(t.spans()).hasSize(2);
    assertThat(t.roots()).hasSize(1);
  }
}
