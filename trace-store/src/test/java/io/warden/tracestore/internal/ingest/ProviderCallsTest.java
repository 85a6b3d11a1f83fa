package io.warden.tracestore.internal.ingest;

import static io.warden.tracestore.internal.ingest.SpanMapperTest.T1;
import static io.warden.tracestore.internal.ingest.SpanMapperTest.T2;
import static io.warden.tracestore.internal.ingest.SpanMapperTest.hex;
import static io.warden.tracestore.internal.ingest.SpanMapperTest.kv;
import static io.warden.tracestore.internal.ingest.SpanMapperTest.request;
import static io.warden.tracestore.internal.ingest.SpanMapperTest.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import io.warden.core.trace.SpanRecord;
import io.warden.tracestore.internal.assembly.LogicalTraceHints;
import io.warden.tracestore.pricing.Pricing;
import java.math.BigDecimal;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A provider call described by two spans is priced once per agent, through the real mapper. */
class ProviderCallsTest {
  private final SpanMapper mapper = new SpanMapper(Set.of("planner", "researcher")::contains,
      () -> Pricing.parse("pricing.yaml", Pricing.seedYaml()), new LogicalTraceHints(100), null, new ProviderCalls(1000));

  private static Span.Builder chat(String trace, String id, String responseId, long in, long out) {
    Span.Builder s = span(trace, id).addAttributes(kv("gen_ai.operation.name", "chat"))
        .addAttributes(kv("gen_ai.request.model", "gpt-4o"))
        .addAttributes(kv("gen_ai.usage.input_tokens", in)).addAttributes(kv("gen_ai.usage.output_tokens", out));
    if (responseId != null) {
      s.addAttributes(kv("gen_ai.response.id", responseId));
    }
    return s;
  }

  private List<SpanRecord> send(String agent, Span.Builder... spans) {
    return mapper.mapTraces(request(List.of(), spans), Caller.agent(agent, List.of())).accepted();
  }

  private static void assertCarrier(SpanRecord s) {
    assertThat(s.costUsd()).isPositive();
    assertThat(s.attributes()).doesNotContainKey(ProviderCalls.DUPLICATE_OF).containsEntry("warden.cost.source", "priced");
  }

  private static void assertDuplicateOf(SpanRecord s, SpanRecord carrier) {
    assertThat(s.costUsd()).isZero();
    assertThat(s.attributes()).containsEntry(ProviderCalls.DUPLICATE_OF, carrier.key())
        .containsEntry("warden.cost.source", "duplicate").containsEntry("warden.cost.tokens_usd", "0.000000000");
    assertThat(s.inputTokens()).isEqualTo(carrier.inputTokens()); // the span keeps what it reported
  }

  @Test
  void sameResponseId_inAnotherTraceAndRequest_isPricedOnce() {
    SpanRecord first = send("planner", chat(T1, "00000000000000a1", "chatcmpl-1", 1000, 100)).get(0);
    SpanRecord second = send("planner", chat(T2, "00000000000000b1", "chatcmpl-1", 1000, 100)).get(0);
    assertCarrier(first);
    assertDuplicateOf(second, first);
    // Another call of the same agent is priced.
    assertCarrier(send("planner", chat(T2, "00000000000000b2", "chatcmpl-2", 1000, 100)).get(0));
  }

  @Test
  void sameResponseId_ofAnotherAgent_isPricedForEach() {
    assertCarrier(send("planner", chat(T1, "00000000000000a1", "chatcmpl-1", 1000, 100)).get(0));
    assertCarrier(send("researcher", chat(T2, "00000000000000b1", "chatcmpl-1", 1000, 100)).get(0));
  }

  @Test
  void nestedSpansOfOneCall_innerArrivingFirst_carriesTheCost() {
    Span.Builder inner = chat(T1, "00000000000000a2", null, 1000, 100).setParentSpanId(hex("00000000000000a1"));
    Span.Builder outer = chat(T1, "00000000000000a1", null, 1000, 100);
    List<SpanRecord> out = send("planner", inner, outer);
    assertCarrier(out.get(0));
    assertDuplicateOf(out.get(1), out.get(0));
  }

  @Test
  void nestedSpansOfOneCall_outerArrivingFirst_carriesTheCost() {
    SpanRecord outer = send("planner", chat(T1, "00000000000000a1", null, 1000, 100)).get(0);
    SpanRecord inner = send("planner", chat(T1, "00000000000000a2", null, 1000, 100)
        .setParentSpanId(hex("00000000000000a1"))).get(0);
    assertCarrier(outer);
    assertDuplicateOf(inner, outer);
  }

  @Test
  void nestedModelCalls_withOtherTokenCounts_areTwoCalls() {
    List<SpanRecord> out = send("planner", chat(T1, "00000000000000a2", null, 500, 50)
        .setParentSpanId(hex("00000000000000a1")), chat(T1, "00000000000000a1", null, 1000, 100));
    assertCarrier(out.get(0));
    assertCarrier(out.get(1));
  }

  @Test
  void resentSpans_keepTheirVerdict() {
    SpanRecord first = send("planner", chat(T1, "00000000000000a1", "chatcmpl-1", 1000, 100)).get(0);
    SpanRecord second = send("planner", chat(T2, "00000000000000b1", "chatcmpl-1", 1000, 100)).get(0);
    assertCarrier(send("planner", chat(T1, "00000000000000a1", "chatcmpl-1", 1000, 100)).get(0));
    assertDuplicateOf(send("planner", chat(T2, "00000000000000b1", "chatcmpl-1", 1000, 100)).get(0), first);
    assertThat(second.costUsd()).isEqualByComparingTo(BigDecimal.ZERO);
  }

  @Test
  void spansWithoutTokens_orNotModelCalls_areLeftAlone() {
    Span.Builder tool = span(T1, "00000000000000c1").addAttributes(kv("gen_ai.operation.name", "execute_tool"))
        .addAttributes(kv("gen_ai.tool.name", "lookup")).addAttributes(kv("gen_ai.response.id", "chatcmpl-1"));
    SpanRecord call = send("planner", chat(T1, "00000000000000a1", "chatcmpl-1", 1000, 100)).get(0);
    SpanRecord t = send("planner", tool).get(0);
    assertCarrier(call);
    assertThat(t.attributes()).doesNotContainKey(ProviderCalls.DUPLICATE_OF);
  }
}
