package io.warden.tracestore.internal.ingest;

import io.warden.tracestore.internal.assembly.LogicalTraceHints;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.warden.core.trace.SpanRecord;
import io.warden.tracestore.pricing.Pricing;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SpanMapperTest {
  static final String T1 = "11111111111111111111111111111111";
  static final String T2 = "22222222222222222222222222222222";
  private static final Set<String> AGENTS = Set.of("planner", "researcher");

  private final LogicalTraceHints hints = new LogicalTraceHints(100);
  private final SpanMapper mapper = new SpanMapper(AGENTS::contains,
      () -> Pricing.parse("pricing.yaml", Pricing.seedYaml()), hints);

  static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
  }

  static KeyValue kv(String k, long v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setIntValue(v)).build();
  }

  static ByteString hex(String h) {
    return ByteString.copyFrom(HexFormat.of().parseHex(h));
  }

  static Span.Builder span(String trace, String id) {
    return Span.newBuilder().setTraceId(hex(trace)).setSpanId(hex(id)).setName("op")
        .setStartTimeUnixNano(1_000).setEndTimeUnixNano(2_000);
  }

  static ExportTraceServiceRequest request(List<KeyValue> resource, Span.Builder... spans) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (Span.Builder s : spans) {
      scope.addSpans(s);
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAllAttributes(resource)).addScopeSpans(scope)).build();
  }

  @Test
  void mapTraces_genAiChat_mapsConventionsTextAndPrice() {
    Span.Builder s = span(T1, "00000000000000a1")
        .addAttributes(kv("gen_ai.operation.name", "chat"))
        .addAttributes(kv("gen_ai.request.model", "gpt-4o"))
        .addAttributes(kv("gen_ai.response.model", "gpt-4o-2024-08-06"))
        .addAttributes(kv("gen_ai.usage.input_tokens", 1000))
        .addAttributes(kv("gen_ai.usage.output_tokens", 100))
        .addAttributes(kv("gen_ai.usage.cache_read.input_tokens", 600))
        .addAttributes(kv("gen_ai.conversation.id", "conv-9"))
        .addAttributes(kv("gen_ai.provider.name", "openai"))
        .addAttributes(kv("gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\","
            + "\"content\":\"Summarise the Q3 ledger\"}]}]"))
        .addAttributes(kv("gen_ai.output.messages", "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\","
            + "\"name\":\"ledger-read\",\"arguments\":{\"quarter\":\"Q3\"}}],\"finish_reason\":\"tool_call\"}]"))
        .addEvents(Span.Event.newBuilder().setName("gen_ai.choice").addAttributes(kv("content", "thinking about Q3")));
    var r = mapper.mapTraces(request(List.of(kv("service.name", "svc")), s), Caller.agent("planner", List.of()));
    assertThat(r.rejected()).isZero();
    SpanRecord m = r.accepted().get(0);
    assertThat(m.traceId()).isEqualTo(T1);
    assertThat(m.agent()).isEqualTo("planner");
    assertThat(m.service()).isEqualTo("svc");
    assertThat(m.operation()).isEqualTo("chat");
    assertThat(m.requestModel()).isEqualTo("gpt-4o");
    assertThat(m.responseModel()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(m.inputTokens()).isEqualTo(1000);
    assertThat(m.outputTokens()).isEqualTo(100);
    assertThat(m.cachedTokens()).isEqualTo(600);
    assertThat(m.conversationId()).isEqualTo("conv-9");
    assertThat(m.text()).isEqualTo("Summarise the Q3 ledger\nledger-read\n{\"quarter\":\"Q3\"}\nthinking about Q3");
    // 400 x 2.50 + 600 x 1.25 + 100 x 10 = 2750 per 1M
    assertThat(m.costUsd()).isEqualByComparingTo("0.00275");
    assertThat(m.attributes()).containsEntry("gen_ai.provider.name", "openai")
        .containsEntry(SpanMapper.COST_TOKENS, "0.002750000")
        .doesNotContainKey("gen_ai.input.messages").doesNotContainKey("gen_ai.request.model");
    assertThat(m.delegationChain()).containsExactly("planner");
    assertThat(m.logicalTraceId()).isEqualTo(T1);
  }

  @Test
  void mapTraces_reportedCost_isKeptAndClassifiedByOperation() {
    Span.Builder s = span(T1, "00000000000000a2").addAttributes(kv("gen_ai.operation.name", "execute_tool"))
        .addAttributes(kv("gen_ai.tool.name", "ledger-read")).addAttributes(kv("warden.cost.usd", "0.75"));
    SpanRecord m = mapper.mapTraces(request(List.of(), s), Caller.agent("planner", List.of())).accepted().get(0);
    assertThat(m.costUsd()).isEqualByComparingTo("0.75");
    assertThat(m.attributes()).containsEntry(SpanMapper.COST_SOURCE, "reported")
        .containsEntry(SpanMapper.COST_ACTIONS, "0.750000000").containsEntry(SpanMapper.COST_TOKENS, "0.000000000");
  }

  @Test
  void mapTraces_delegationBaggage_setsChainIntentAndLogicalTrace() {
    Span.Builder s = span(T2, "00000000000000b1")
        .addAttributes(kv("warden.delegation", "planner@" + T1 + ":00000000000000a1"))
        .addAttributes(kv("warden.intent", "pay invoice 4711"));
    SpanRecord m = mapper.mapTraces(request(List.of(), s), Caller.agent("researcher", List.of())).accepted().get(0);
    assertThat(m.delegationChain()).containsExactly("planner", "researcher");
    assertThat(m.intent()).isEqualTo("pay invoice 4711");
    assertThat(m.logicalTraceId()).isEqualTo(T1);
    // A later span of the same sub-agent trace without baggage joins the same logical trace.
    SpanRecord child = mapper.mapTraces(request(List.of(), span(T2, "00000000000000b2")),
        Caller.agent("researcher", List.of())).accepted().get(0);
    assertThat(child.logicalTraceId()).isEqualTo(T1);
  }

  @Test
  void mapTraces_linkOrChainAttribute_orScopedToken_giveTheChain() {
    Span.Builder linked = span(T2, "00000000000000b3").addLinks(Span.Link.newBuilder().setTraceId(hex(T1))
        .setSpanId(hex("00000000000000a1")));
    SpanRecord viaLink = mapper.mapTraces(request(List.of(), linked), Caller.agent("researcher", List.of()))
        .accepted().get(0);
    assertThat(viaLink.links()).containsExactly(T1 + ":00000000000000a1");
    assertThat(viaLink.logicalTraceId()).isEqualTo(T1);

    Span.Builder chained = span(T1, "00000000000000b4").addAttributes(KeyValue.newBuilder()
        .setKey("warden.delegation.chain").setValue(AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
            .addValues(AnyValue.newBuilder().setStringValue("planner"))))); // holder missing: appended
    assertThat(mapper.mapTraces(request(List.of(), chained), Caller.agent("researcher", List.of()))
        .accepted().get(0).delegationChain()).containsExactly("planner", "researcher");

    SpanRecord scoped = mapper.mapTraces(request(List.of(), span(T1, "00000000000000b5")),
        Caller.agent("researcher", List.of("planner", "researcher"))).accepted().get(0);
    assertThat(scoped.delegationChain()).containsExactly("planner", "researcher");
  }

  @Test
  void mapTraces_delegationChain_isVerifiedOnlyWhenTheScopedTokenCarriesIt() {
    String hop = "planner@" + T1 + ":00000000000000a1";
    Span.Builder claimed = span(T2, "00000000000000b1").addAttributes(kv("warden.delegation", hop))
        // A client cannot vouch for itself: the attribute is Warden's.
        .addAttributes(kv("warden.delegation.verified", "true"));
    SpanRecord byCredential = mapper.mapTraces(request(List.of(), claimed),
        Caller.agent("researcher", List.of())).accepted().get(0);
    assertThat(byCredential.delegationChain()).containsExactly("planner", "researcher");
    assertThat(byCredential.attributes()).containsEntry("warden.delegation.verified", "false");

    SpanRecord byOtherChain = mapper.mapTraces(request(List.of(), claimed),
        Caller.agent("researcher", List.of("researcher"))).accepted().get(0);
    assertThat(byOtherChain.attributes()).containsEntry("warden.delegation.verified", "false");

    SpanRecord byScopedToken = mapper.mapTraces(request(List.of(), claimed),
        Caller.agent("researcher", List.of("planner", "researcher"))).accepted().get(0);
    assertThat(byScopedToken.delegationChain()).containsExactly("planner", "researcher");
    assertThat(byScopedToken.attributes()).containsEntry("warden.delegation.verified", "true");

    SpanRecord tokenOnly = mapper.mapTraces(request(List.of(), span(T2, "00000000000000b2")),
        Caller.agent("researcher", List.of("planner", "researcher"))).accepted().get(0);
    assertThat(tokenOnly.attributes()).containsEntry("warden.delegation.verified", "true");

    SpanRecord noDelegation = mapper.mapTraces(request(List.of(), span(T2, "00000000000000b3")
        .addAttributes(kv("warden.delegation.verified", "true"))), Caller.agent("researcher", List.of()))
        .accepted().get(0);
    assertThat(noDelegation.delegationChain()).containsExactly("researcher");
    assertThat(noDelegation.attributes()).doesNotContainKey("warden.delegation.verified");
  }

  @Test
  void mapTraces_agentCredential_mayOnlySendItsOwnSpans() {
    var r = mapper.mapTraces(request(List.of(),
            span(T1, "00000000000000c1"),
            span(T1, "00000000000000c2").addAttributes(kv("warden.agent", "planner")),
            span(T1, "00000000000000c3").setParentSpanId(hex("00000000000000c2")),
            span(T1, "00000000000000c4").addAttributes(kv("gen_ai.agent.name", "SomeFrameworkAgent"))),
        Caller.agent("researcher", List.of()));
    assertThat(r.accepted()).extracting(SpanRecord::spanId).containsExactly("00000000000000c1", "00000000000000c4");
    assertThat(r.rejected()).isEqualTo(2);
    assertThat(r.message()).contains("rejected 2 of 4 spans")
        .contains("span 00000000000000c2 in trace " + T1 + ": claims agent 'planner' (span attribute) but the "
            + "credential belongs to 'researcher'")
        .contains("00000000000000c3").contains("(parent span)");
  }

  @Test
  void mapTraces_ingestToken_needsAKnownAgentPerSpan() {
    var r = mapper.mapTraces(request(List.of(kv("service.name", "collector")),
            span(T1, "00000000000000d1").addAttributes(kv("gen_ai.agent.name", "planner")),
            span(T1, "00000000000000d2").setParentSpanId(hex("00000000000000d1")),
            span(T1, "00000000000000d3"),
            span(T1, "00000000000000d4").addAttributes(kv("warden.agent", "ghost"))),
        Caller.collector("collector-user"));
    assertThat(r.accepted()).extracting(SpanRecord::agent).containsExactly("planner", "planner");
    assertThat(r.message()).contains("00000000000000d3 in trace " + T1 + ": names no agent")
        .contains("names unknown agent 'ghost'");
    // A resource attribute names the agent for every span of the runtime.
    var viaResource = mapper.mapTraces(request(List.of(kv("warden.agent", "researcher")), span(T1, "00000000000000d5")),
        Caller.collector("collector-user"));
    assertThat(viaResource.accepted()).extracting(SpanRecord::agent).containsExactly("researcher");
  }

  @Test
  void mapTraces_invalidIdsAndTimes_areRejectedWithTheReason() {
    var r = mapper.mapTraces(request(List.of(),
            span("00000000000000000000000000000000", "00000000000000e1"),
            span(T1, "0000000000000000"),
            span(T1, "00000000000000e3").setTraceId(ByteString.copyFrom(new byte[] {1, 2, 3})),
            span(T1, "00000000000000e4").setEndTimeUnixNano(10),
            span(T1, "00000000000000e5").setStartTimeUnixNano(0),
            span(T1, "00000000000000e6").setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR))
                .addEvents(Span.Event.newBuilder().setName("exception")
                    .addAttributes(kv("exception.type", "TimeoutError"))
                    .addAttributes(kv("exception.message", "ledger timed out")))),
        Caller.agent("planner", List.of()));
    assertThat(r.rejected()).isEqualTo(5);
    assertThat(r.message()).contains("invalid trace id").contains("invalid span id").contains("ends before it starts")
        .contains("start_time_unix_nano is not set");
    SpanRecord error = r.accepted().get(0);
    assertThat(error.status()).isEqualTo("ERROR");
    assertThat(error.statusMessage()).isEqualTo("TimeoutError: ledger timed out");
  }

  @Test
  void mapTraces_manyRejections_listFiveAndCountTheRest() {
    Span.Builder[] bad = new Span.Builder[8];
    for (int i = 0; i < bad.length; i++) {
      bad[i] = span(T1, String.format("%016x", 0xf0 + i)).setEndTimeUnixNano(1);
    }
    var r = mapper.mapTraces(request(List.of(), bad), Caller.agent("planner", List.of()));
    assertThat(r.rejected()).isEqualTo(8);
    assertThat(r.message()).endsWith("; and 3 more");
  }
  @Test
  void mapTraces_currentAndOlderNamesTogether_currentNamesWin() {
    Span.Builder s = span(T1, "00000000000000c1")
        .addAttributes(kv("openinference.span.kind", "TOOL"))
        .addAttributes(kv("gen_ai.operation.name", "chat"))
        .addAttributes(kv("llm.model_name", "gpt-4o-mini"))
        .addAttributes(kv("ai.model.id", "claude-opus-4-7"))
        .addAttributes(kv("gen_ai.request.model", "gpt-4o"))
        .addAttributes(kv("llm.token_count.prompt", 7))
        .addAttributes(kv("gen_ai.usage.prompt_tokens", 999))
        .addAttributes(kv("gen_ai.usage.input_tokens", 1000))
        .addAttributes(kv("ai.usage.completionTokens", 9))
        .addAttributes(kv("gen_ai.usage.output_tokens", 100))
        .addAttributes(kv("session.id", "older"))
        .addAttributes(kv("gen_ai.conversation.id", "current"));
    SpanRecord m = mapper.mapTraces(request(List.of(), s), Caller.agent("planner", List.of())).accepted().get(0);
    assertThat(m.operation()).isEqualTo("chat");
    assertThat(m.requestModel()).isEqualTo("gpt-4o");
    assertThat(m.responseModel()).as("llm.model_name is also the response model").isEqualTo("gpt-4o-mini");
    assertThat(m.inputTokens()).isEqualTo(1000);
    assertThat(m.outputTokens()).isEqualTo(100);
    assertThat(m.conversationId()).isEqualTo("current");
    assertThat(m.attributes()).containsEntry("gen_ai.usage.prompt_tokens", "999")
        .containsEntry("ai.model.id", "claude-opus-4-7").doesNotContainKey("gen_ai.usage.input_tokens")
        .doesNotContainKey(SpanMapper.OPERATION_SOURCE);
  }

  @Test
  void mapTraces_reasoningParts_recordedAsRangesOfTheText_andClientRangesDropped() {
    Span.Builder s = span(T1, "00000000000000c2")
        .addAttributes(kv("gen_ai.operation.name", "chat"))
        .addAttributes(kv(TextExtractor.REASONING_RANGES, "0-5"))
        .addAttributes(kv("gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\","
            + "\"content\":\"refund?\"}]}]"))
        .addAttributes(kv("gen_ai.output.messages", "[{\"role\":\"assistant\",\"parts\":[{\"content\":"
            + "\"weighing the policy\",\"type\":\"reasoning\"},{\"type\":\"text\",\"content\":\"yes\"},"
            + "{\"type\":\"thinking\",\"thinking\":\"second thought\"}]}]"))
        .addAttributes(kv("gen_ai.usage.output_tokens", 10))
        .addAttributes(kv("gen_ai.usage.reasoning_tokens", 40));
    SpanRecord m = mapper.mapTraces(request(List.of(), s), Caller.agent("planner", List.of())).accepted().get(0);
    assertThat(m.text()).isEqualTo("refund?\nweighing the policy\nyes\nsecond thought");
    String ranges = m.attributes().get(TextExtractor.REASONING_RANGES);
    StringBuilder reasoning = new StringBuilder();
    for (String r : ranges.split(",")) {
      String[] se = r.split("-");
      reasoning.append(m.text(), Integer.parseInt(se[0]), Integer.parseInt(se[1])).append('|');
    }
    assertThat(reasoning.toString()).isEqualTo("\nweighing the policy|\nsecond thought|");
    assertThat(m.attributes()).containsEntry("gen_ai.usage.reasoning_tokens", "40");
    assertThat(m.outputTokens()).as("fewer output than reasoning tokens: reasoning added").isEqualTo(50);
  }

  @Test
  void mapTraces_noOperationName_operationFromWhatTheOtherAttributesSay() {
    String[][] cases = {
        {"openinference.span.kind", "LLM", "chat"}, {"openinference.span.kind", "AGENT", "invoke_agent"},
        {"openinference.span.kind", "RETRIEVER", "retrieval"}, {"openinference.span.kind", "EMBEDDING", "embeddings"},
        {"llm.request.type", "completion", "text_completion"}, {"ai.operationId", "ai.streamText.doStream", "chat"},
        {"ai.operationId", "ai.embed.doEmbed", "embeddings"}, {"ai.operationId", "ai.streamText", "chain"}};
    for (String[] c : cases) {
      Span.Builder s = span(T1, "00000000000000c3").addAttributes(kv(c[0], c[1]))
          .addAttributes(kv("ai.usage.promptTokens", 10));
      SpanRecord m = mapper.mapTraces(request(List.of(), s), Caller.agent("planner", List.of())).accepted().get(0);
      assertThat(m.operation()).as("%s=%s", c[0], c[1]).isEqualTo(c[2]);
      assertThat(m.attributes()).containsEntry(SpanMapper.OPERATION_SOURCE, c[0] + "=" + c[1]);
      assertThat(m.inputTokens()).as("a chain's tokens are not priced again").isEqualTo("chain".equals(c[2]) ? 0 : 10);
    }
  }

  @Test
  void mapTraces_scopedTokenNamingTheDelegatingSpan_joinsWithoutBaggage() {
    var hop = new io.warden.core.trace.Delegation.Hop("planner", T1, "00000000000000a1");
    Caller viaToken = Caller.agent("researcher", List.of("planner", "researcher"), List.of(hop));
    Span.Builder s = span(T2, "00000000000000b1").addAttributes(kv("warden.delegation.source", "forged"));
    SpanRecord m = mapper.mapTraces(request(List.of(), s), viaToken).accepted().get(0);
    assertThat(m.logicalTraceId()).isEqualTo(T1);
    assertThat(m.delegationChain()).containsExactly("planner", "researcher");
    assertThat(m.attributes()).containsEntry("warden.delegation", "planner@" + T1 + ":00000000000000a1")
        .containsEntry("warden.delegation.source", "token").containsEntry("warden.delegation.verified", "true");

    // Baggage, when the runtime did propagate it, is what the span says; no source is claimed.
    Span.Builder withBaggage = span(T2, "00000000000000b2")
        .addAttributes(kv("warden.delegation", "planner@" + T1 + ":00000000000000a2"))
        .addAttributes(kv("warden.delegation.source", "token"));
    SpanRecord b = mapper.mapTraces(request(List.of(), withBaggage), viaToken).accepted().get(0);
    assertThat(b.attributes()).containsEntry("warden.delegation", "planner@" + T1 + ":00000000000000a2")
        .doesNotContainKey("warden.delegation.source");
  }
}
