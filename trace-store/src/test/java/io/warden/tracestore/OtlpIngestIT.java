package io.warden.tracestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.warden.core.trace.SpanRecord;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Spans sent by the real OpenTelemetry SDK exporters land in the store, attributed and searchable. */
@Timeout(120)
class OtlpIngestIT extends RunningStore {

  @Test
  void export_overHttpProtobuf_storesSearchableGenAiSpan() throws Exception {
    try (OtelSdk sdk = new OtelSdk(OtelSdk.Protocol.HTTP, "127.0.0.1", store.httpPort(),
        ids.secret(Identities.FINANCE), Identities.FINANCE)) {
      Span chat = sdk.tracer().spanBuilder("chat claude-opus-4-7")
          .setAttribute("gen_ai.operation.name", "chat")
          .setAttribute("gen_ai.request.model", "claude-opus-4-7")
          .setAttribute("gen_ai.usage.input_tokens", 1000L)
          .setAttribute("gen_ai.usage.output_tokens", 200L)
          .setAttribute("gen_ai.input.messages",
              "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Reconcile invoice 4711 against the ledger\"}]}]")
          .startSpan();
      chat.end();
      assertThat(sdk.flush()).isTrue();
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(store.search(query("invoice 4711", null)).hits()).hasSize(1));
    SpanHit hit = store.search(query("ledger", Identities.FINANCE)).hits().get(0);
    SpanRecord span = hit.span();
    assertThat(span.agent()).isEqualTo(Identities.FINANCE);
    assertThat(span.operation()).isEqualTo("chat");
    assertThat(span.inputTokens()).isEqualTo(1000);
    // 1000 x 15 + 200 x 75 per million = 0.015 + 0.015
    assertThat(span.costUsd()).isEqualByComparingTo("0.03");
    assertThat(hit.highlights()).anySatisfy(h -> assertThat(h).contains("<em>ledger</em>"));
  }

  @Test
  void export_overGrpc_storesSpanWithErrorStatus() throws Exception {
    try (OtelSdk sdk = new OtelSdk(OtelSdk.Protocol.GRPC, "127.0.0.1", store.grpcPort(),
        ids.secret(Identities.RESEARCHER), Identities.RESEARCHER)) {
      Span tool = sdk.tracer().spanBuilder("execute_tool ledger-read")
          .setAttribute("gen_ai.operation.name", "execute_tool")
          .setAttribute("gen_ai.tool.name", "ledger-read")
          .setAttribute(AttributeKey.stringKey("gen_ai.tool.call.arguments"), "{\"account\":\"ACME-991\"}")
          .startSpan();
      tool.setStatus(StatusCode.ERROR, "ledger timed out");
      tool.end();
      assertThat(sdk.flush()).isTrue();
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(store.search(query("ACME-991", Identities.RESEARCHER)).hits()).hasSize(1));
    SpanRecord span = store.search(query("ACME-991", null)).hits().get(0).span();
    assertThat(span.status()).isEqualTo("ERROR");
    assertThat(span.statusMessage()).isEqualTo("ledger timed out");
    assertThat(span.toolName()).isEqualTo("ledger-read");
    assertThat(span.costUsd()).isEqualByComparingTo("0.001");
    assertThat(store.trace(span.traceId())).extracting(SpanRecord::spanId).containsExactly(span.spanId());
  }

  @Test
  void export_spanClaimingAnotherAgent_isRejectedAndTheRestKept() throws Exception {
    try (OtelSdk sdk = new OtelSdk(OtelSdk.Protocol.HTTP, "127.0.0.1", store.httpPort(),
        ids.secret(Identities.RESEARCHER), Identities.RESEARCHER)) {
      sdk.tracer().spanBuilder("honest").setAttribute("warden.text", "honest span").startSpan().end();
      sdk.tracer().spanBuilder("impostor").setAttribute("warden.agent", Identities.PLANNER)
          .setAttribute("warden.text", "impostor span").startSpan().end();
      // Partial success is still a success for the exporter: the rest of the batch is kept.
      assertThat(sdk.flush()).isTrue();
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(store.search(query("honest", null)).hits()).hasSize(1));
    assertThat(store.search(query("impostor", null)).hits()).isEmpty();
    assertThat(store.refreshHealth().details().get("rejected_items")).isEqualTo(1L);
  }

  @Test
  void export_withViewerToken_storesNothing() throws Exception {
    try (OtelSdk sdk = new OtelSdk(OtelSdk.Protocol.HTTP, "127.0.0.1", store.httpPort(), ids.viewerToken,
        Identities.PLANNER)) {
      sdk.tracer().spanBuilder("viewer").setAttribute("warden.agent", Identities.PLANNER)
          .setAttribute("warden.text", "viewer span").startSpan().end();
      sdk.flush();
    }
    // The flush returned after the 403; anything accepted would be in the log by now.
    assertThat(store.refreshHealth().details().get("accepted_items")).isEqualTo(0L);
    assertThat(store.search(query("viewer", null)).hits()).isEmpty();
  }

  @Test
  void export_withIngestToken_attributesSpansToTheNamedAgent() throws Exception {
    try (OtelSdk sdk = new OtelSdk(OtelSdk.Protocol.GRPC, "127.0.0.1", store.grpcPort(), ids.ingestToken,
        "collector")) {
      sdk.tracer().spanBuilder("collected").setAttribute("warden.agent", Identities.PLANNER)
          .setAttribute("warden.text", "collected span").startSpan().end();
      assertThat(sdk.flush()).isTrue();
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(store.search(query("collected", Identities.PLANNER)).hits()).hasSize(1));
    List<SpanHit> hits = store.search(query("collected", null)).hits();
    assertThat(hits.get(0).span().agent()).isEqualTo(Identities.PLANNER);
  }

  @Test
  void exportLogs_overGrpc_addTheirTextToTheSpan() throws Exception {
    String spanId;
    try (OtelSdk sdk = new OtelSdk(OtelSdk.Protocol.GRPC, "127.0.0.1", store.grpcPort(),
        ids.secret(Identities.FINANCE), Identities.FINANCE)) {
      Span chat = sdk.tracer().spanBuilder("chat").setAttribute("gen_ai.operation.name", "chat").startSpan();
      chat.end();
      spanId = chat.getSpanContext().getSpanId();
      try (var logs = OtelSdk.grpcLogs("127.0.0.1", store.grpcPort(), ids.secret(Identities.FINANCE),
          Identities.FINANCE)) {
        logs.get("genai").logRecordBuilder()
            .setContext(io.opentelemetry.context.Context.root().with(Span.wrap(chat.getSpanContext())))
            .setEventName("gen_ai.user.message")
            .setBody("what are the chargeback fees for ACME")
            .emit();
        assertThat(logs.forceFlush().join(20, java.util.concurrent.TimeUnit.SECONDS).isSuccess()).isTrue();
      }
      assertThat(sdk.flush()).isTrue();
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(store.search(query("chargeback", Identities.FINANCE)).hits())
            .extracting(h -> h.span().spanId()).containsExactly(spanId));
  }
}
