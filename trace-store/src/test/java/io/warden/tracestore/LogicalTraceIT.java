package io.warden.tracestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.api.trace.SpanBuilder;
import io.warden.core.identity.AgentPrincipal;
import io.warden.core.identity.TokenScope;
import io.warden.core.trace.SpanRecord;
import java.time.Instant;
import java.util.Set;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A three-level delegation exactly as the propagation contract in the README describes it: planner
 * (OTLP/HTTP) delegates to researcher, which runs in another runtime and starts a new trace
 * (OTLP/gRPC, span link + W3C baggage), whose tool call is executed by a gateway in a third trace
 * (baggage only). The store returns one logical trace.
 */
@Timeout(120)
class LogicalTraceIT extends RunningStore {
  private static final String INTENT = "Reconcile invoice 4711 for ACME";
  private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
    @Override
    public String get(Map<String, String> carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  /** What an SDK's baggage span processor does: copy warden.* baggage onto the span. */
  private static SpanBuilder withBaggage(SpanBuilder b, Baggage baggage) {
    baggage.forEach((k, v) -> {
      if (k.startsWith("warden.")) {
        b.setAttribute(k, v.getValue());
      }
    });
    return b;
  }

  private static Map<String, String> inject(Context context) {
    Map<String, String> headers = new HashMap<>();
    W3CBaggagePropagator.getInstance().inject(context, headers, Map::put);
    return headers;
  }

  private static Baggage extract(Map<String, String> headers) {
    return Baggage.fromContext(W3CBaggagePropagator.getInstance().extract(Context.root(), headers, GETTER));
  }

  @Test
  void logicalTrace_threeLevelDelegationAcrossTraces_isOneTree() throws Exception {
    String host = "127.0.0.1";
    try (OtelSdk plannerSdk = new OtelSdk(OtelSdk.Protocol.HTTP, host, store.httpPort(),
            ids.secret(Identities.PLANNER), "planner-runtime");
        OtelSdk researcherSdk = new OtelSdk(OtelSdk.Protocol.GRPC, host, store.grpcPort(),
            ids.secret(Identities.RESEARCHER), "researcher-runtime");
        OtelSdk gatewaySdk = new OtelSdk(OtelSdk.Protocol.HTTP, host, store.httpPort(),
            ids.secret(Identities.RESEARCHER), "mcp-gateway")) {

      // Level 1: the planner receives the request and delegates.
      Baggage rootBaggage = Baggage.builder().put("warden.intent", INTENT).build();
      Span plannerRoot = withBaggage(plannerSdk.tracer().spanBuilder("invoke_agent planner"), rootBaggage)
          .setAttribute("gen_ai.operation.name", "invoke_agent")
          .setAttribute("gen_ai.agent.name", Identities.PLANNER)
          .startSpan();
      Span delegate;
      Map<String, String> toResearcher;
      {
        delegate = plannerSdk.tracer().spanBuilder("delegate researcher").setSpanKind(SpanKind.CLIENT)
            .setParent(Context.root().with(plannerRoot))
            .setAttribute("gen_ai.operation.name", "invoke_agent").startSpan();
        SpanContext d = delegate.getSpanContext();
        Baggage out = rootBaggage.toBuilder()
            .put("warden.delegation", Identities.PLANNER + "@" + d.getTraceId() + ":" + d.getSpanId()).build();
        toResearcher = inject(Context.root().with(out));
      }

      // Level 2: the researcher runs elsewhere, in a new trace linked to the delegating span.
      Baggage researcherBaggage = extract(toResearcher);
      Span researcherRoot = withBaggage(researcherSdk.tracer().spanBuilder("invoke_agent researcher"),
          researcherBaggage)
          .setNoParent()
          .addLink(delegate.getSpanContext())
          .setAttribute("gen_ai.operation.name", "invoke_agent")
          .startSpan();
      Span chat;
      Span toolCall;
      Map<String, String> toGateway;
      {
        Context inResearcher = Context.root().with(researcherRoot);
        chat = withBaggage(researcherSdk.tracer().spanBuilder("chat claude-opus-4-7"), researcherBaggage)
            .setParent(inResearcher)
            .setAttribute("gen_ai.operation.name", "chat")
            .setAttribute("gen_ai.request.model", "claude-opus-4-7")
            .setAttribute("gen_ai.usage.input_tokens", 2000L)
            .setAttribute("gen_ai.usage.output_tokens", 100L)
            .startSpan();
        chat.setStatus(StatusCode.ERROR, "rate limited, retried");
        chat.end();
        toolCall = withBaggage(researcherSdk.tracer().spanBuilder("execute_tool ledger-read"), researcherBaggage)
            .setParent(inResearcher)
            .setAttribute("gen_ai.operation.name", "execute_tool")
            .setAttribute("gen_ai.tool.name", "ledger-read")
            .startSpan();
        SpanContext t = toolCall.getSpanContext();
        Baggage out = researcherBaggage.toBuilder().put("warden.delegation",
            researcherBaggage.getEntryValue("warden.delegation") + "," + Identities.RESEARCHER + "@"
                + t.getTraceId() + ":" + t.getSpanId()).build();
        toGateway = inject(Context.root().with(out));
      }

      // Level 3: the gateway executes the tool in a third trace, joined by baggage only.
      Baggage gatewayBaggage = extract(toGateway);
      Span executed = withBaggage(gatewaySdk.tracer().spanBuilder("execute_tool ledger-read"), gatewayBaggage)
          .setNoParent()
          .setAttribute("gen_ai.operation.name", "execute_tool")
          .setAttribute("gen_ai.tool.name", "mcp://gateway/ledger-read")
          .setAttribute("gen_ai.tool.call.arguments", "{\"invoice\":\"4711\"}")
          .startSpan();
      executed.end();
      toolCall.end();
      researcherRoot.end();
      delegate.end();
      plannerRoot.end();

      // Exported out of order: the deepest trace first.
      assertThat(gatewaySdk.flush()).isTrue();
      assertThat(researcherSdk.flush()).isTrue();
      assertThat(plannerSdk.flush()).isTrue();

      String t1 = plannerRoot.getSpanContext().getTraceId();
      String t2 = researcherRoot.getSpanContext().getTraceId();
      String t3 = executed.getSpanContext().getTraceId();
      assertThat(List.of(t1, t2, t3)).doesNotHaveDuplicates();

      await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() ->
          assertThat(store.logicalTrace(t1).spanCount()).isEqualTo(6));
      LogicalTrace lt = store.logicalTrace(t1);
      assertThat(lt.id()).isEqualTo(t1);
      assertThat(lt.intent()).isEqualTo(INTENT);
      assertThat(lt.traceIds()).containsExactlyInAnyOrder(t1, t2, t3);
      assertThat(lt.roots()).hasSize(1);

      LogicalTrace.Node root = lt.roots().get(0);
      assertThat(root.span().spanId()).isEqualTo(plannerRoot.getSpanContext().getSpanId());
      LogicalTrace.Node del = only(root.children());
      assertThat(del.span().spanId()).isEqualTo(delegate.getSpanContext().getSpanId());
      LogicalTrace.Node research = only(del.children());
      assertThat(research.span().traceId()).isEqualTo(t2);
      assertThat(research.delegatedFrom()).isEqualTo("baggage");
      assertThat(research.span().delegationChain()).containsExactly(Identities.PLANNER, Identities.RESEARCHER);
      // Claimed in baggage by the researcher's own credential: shown, but not vouched for.
      assertThat(research.delegationVerified()).isFalse();
      assertThat(root.delegationVerified()).isTrue();
      LogicalTrace.Node tool = research.children().stream()
          .filter(n -> n.span().operation().equals("execute_tool")).findFirst().orElseThrow();
      LogicalTrace.Node gateway = only(tool.children());
      assertThat(gateway.span().traceId()).isEqualTo(t3);
      assertThat(gateway.span().text()).contains("4711");
      assertThat(gateway.span().delegationChain()).containsExactly(Identities.PLANNER, Identities.RESEARCHER);
      assertThat(lt.spans()).allSatisfy(s -> assertThat(s.logicalTraceId()).isEqualTo(t1));

      assertThat(lt.errors()).singleElement().satisfies(e -> {
        assertThat(e.spanId()).isEqualTo(chat.getSpanContext().getSpanId());
        assertThat(e.message()).isEqualTo("rate limited, retried");
        assertThat(e.delegationChain()).containsExactly(Identities.PLANNER, Identities.RESEARCHER);
      });
      // researcher: chat 2000 x 15 + 100 x 75 per 1M = 0.0375, tool 0.001 x 2 (call + execution)
      assertThat(lt.costByAgent()).containsKeys(Identities.PLANNER, Identities.RESEARCHER);
      assertThat(lt.costByAgent().get(Identities.RESEARCHER)).isGreaterThanOrEqualTo(new java.math.BigDecimal("0.0395"));

      // Any trace id of the tree finds the same logical trace.
      assertThat(store.logicalTrace(t3).id()).isEqualTo(t1);
      assertThat(store.logicalTrace(t2).spans()).extracting(SpanRecord::spanId)
          .containsExactlyInAnyOrderElementsOf(lt.spans().stream().map(SpanRecord::spanId).toList());
    }
  }

  @Test
  void logicalTrace_subAgentWithAScopedTokenMintedByItsCaller_isAVerifiedDelegation() throws Exception {
    AgentPrincipal planner = (AgentPrincipal) ids.identity.authenticate(ids.secret(Identities.PLANNER));
    String token = ids.identity.mintToken(planner, Identities.RESEARCHER, new TokenScope("task-4711",
        Set.of("mcp://gateway/ledger-read"), null, Instant.now().plus(Duration.ofMinutes(10)), List.of()));
    String host = "127.0.0.1";
    try (OtelSdk plannerSdk = new OtelSdk(OtelSdk.Protocol.HTTP, host, store.httpPort(),
            ids.secret(Identities.PLANNER), "planner-runtime");
        OtelSdk scopedSdk = new OtelSdk(OtelSdk.Protocol.HTTP, host, store.httpPort(), token, "researcher-runtime");
        OtelSdk ownSdk = new OtelSdk(OtelSdk.Protocol.HTTP, host, store.httpPort(),
            ids.secret(Identities.RESEARCHER), "researcher-runtime")) {
      Span root = plannerSdk.tracer().spanBuilder("invoke_agent planner").startSpan();
      SpanContext d = root.getSpanContext();
      String hop = Identities.PLANNER + "@" + d.getTraceId() + ":" + d.getSpanId();
      Span backed = scopedSdk.tracer().spanBuilder("invoke_agent researcher").setNoParent()
          .setAttribute("warden.delegation", hop).startSpan();
      Span claimed = ownSdk.tracer().spanBuilder("invoke_agent researcher again").setNoParent()
          .setAttribute("warden.delegation", hop).startSpan();
      backed.end();
      claimed.end();
      root.end();
      assertThat(scopedSdk.flush()).isTrue();
      assertThat(ownSdk.flush()).isTrue();
      assertThat(plannerSdk.flush()).isTrue();

      await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() ->
          assertThat(store.logicalTrace(d.getTraceId()).spanCount()).isEqualTo(3));
      LogicalTrace.Node top = only(store.logicalTrace(d.getTraceId()).roots());
      assertThat(top.children()).hasSize(2).allSatisfy(n ->
          assertThat(n.span().delegationChain()).containsExactly(Identities.PLANNER, Identities.RESEARCHER));
      assertThat(top.children()).filteredOn(n -> n.span().spanId().equals(backed.getSpanContext().getSpanId()))
          .singleElement().satisfies(n -> {
            assertThat(n.delegationVerified()).isTrue();
            assertThat(n.span().attributes()).containsEntry("warden.delegation.verified", "true");
          });
      assertThat(top.children()).filteredOn(n -> n.span().spanId().equals(claimed.getSpanContext().getSpanId()))
          .singleElement().satisfies(n -> {
            assertThat(n.delegationVerified()).isFalse();
            assertThat(n.span().attributes()).containsEntry("warden.delegation.verified", "false");
          });
    }
  }

  @Test
  void logicalTrace_subAgentExportingWithATokenNamingTheParentSpan_joinsWithoutAnyPropagation() throws Exception {
    String host = "127.0.0.1";
    try (OtelSdk plannerSdk = new OtelSdk(OtelSdk.Protocol.HTTP, host, store.httpPort(),
        ids.secret(Identities.PLANNER), "planner-runtime")) {
      Span plannerRoot = plannerSdk.tracer().spanBuilder("invoke_agent planner")
          .setAttribute("gen_ai.operation.name", "invoke_agent").startSpan();
      Span delegate = plannerSdk.tracer().spanBuilder("delegate researcher").setSpanKind(SpanKind.CLIENT)
          .setParent(Context.root().with(plannerRoot)).setAttribute("gen_ai.operation.name", "invoke_agent")
          .startSpan();
      SpanContext d = delegate.getSpanContext();
      // The planner names the delegating span when it mints the researcher's token, and that is all:
      // the researcher's runtime propagates nothing (no traceparent, no link, no baggage).
      AgentPrincipal planner = (AgentPrincipal) ids.identity.authenticate(ids.secret(Identities.PLANNER));
      String token = ids.identity.mintToken(planner, Identities.RESEARCHER, new TokenScope("task-4712",
          Set.of("mcp://gateway/ledger-read"), null, Instant.now().plus(Duration.ofMinutes(10)), List.of(),
          List.of(new io.warden.core.trace.Delegation.Hop(Identities.PLANNER, d.getTraceId(), d.getSpanId()))));
      Span researcherRoot;
      Span chat;
      try (OtelSdk researcherSdk = new OtelSdk(OtelSdk.Protocol.GRPC, host, store.grpcPort(), token,
          "researcher-runtime")) {
        researcherRoot = researcherSdk.tracer().spanBuilder("invoke_agent researcher").setNoParent()
            .setAttribute("gen_ai.operation.name", "invoke_agent").startSpan();
        chat = researcherSdk.tracer().spanBuilder("chat claude-opus-4-7")
            .setParent(Context.root().with(researcherRoot))
            .setAttribute("gen_ai.operation.name", "chat").setAttribute("gen_ai.request.model", "claude-opus-4-7")
            .setAttribute("gen_ai.usage.input_tokens", 1000L).setAttribute("gen_ai.usage.output_tokens", 10L)
            .startSpan();
        chat.end();
        researcherRoot.end();
        assertThat(researcherSdk.flush()).isTrue(); // the sub-agent's spans arrive first
      }
      delegate.end();
      plannerRoot.end();
      assertThat(plannerSdk.flush()).isTrue();

      String t1 = d.getTraceId();
      String t2 = researcherRoot.getSpanContext().getTraceId();
      assertThat(t2).isNotEqualTo(t1);
      await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() ->
          assertThat(store.logicalTrace(t2).spanCount()).isEqualTo(4));
      LogicalTrace lt = store.logicalTrace(t2);
      assertThat(lt.id()).isEqualTo(t1);
      assertThat(lt.traceIds()).containsExactlyInAnyOrder(t1, t2);
      LogicalTrace.Node research = only(only(only(lt.roots()).children()).children());
      assertThat(research.span().spanId()).isEqualTo(researcherRoot.getSpanContext().getSpanId());
      assertThat(research.delegatedFrom()).isEqualTo("token");
      assertThat(research.delegationVerified()).isTrue();
      assertThat(research.span().delegationChain()).containsExactly(Identities.PLANNER, Identities.RESEARCHER);
      assertThat(research.span().attributes()).containsEntry("warden.delegation.source", "token")
          .containsEntry("warden.delegation.verified", "true")
          .containsEntry("warden.delegation", Identities.PLANNER + "@" + t1 + ":" + d.getSpanId());
      LogicalTrace.Node chatNode = only(research.children());
      assertThat(chatNode.span().spanId()).isEqualTo(chat.getSpanContext().getSpanId());
      assertThat(chatNode.delegationVerified()).isTrue();
      assertThat(lt.spans()).allSatisfy(s -> assertThat(s.logicalTraceId()).isEqualTo(t1));
      assertThat(lt.costByAgent()).containsKey(Identities.RESEARCHER);
    }
  }

  private static LogicalTrace.Node only(List<LogicalTrace.Node> nodes) {
    assertThat(nodes).hasSize(1);
    return nodes.get(0);
  }
}
