package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The trace store wired into the appliance: an agent sends GenAI spans with the real OpenTelemetry
 * SDK's OTLP/HTTP exporter and its own Warden credential; an incident responder finds them by full
 * text, sees the trace and its cost; after a kill -9 right after the ack they are still there.
 */
@Timeout(300)
class TraceFlowIT extends ApplianceTestBase {
  @Test
  void agentSpans_areSearchablePricedAndSurviveKill9() throws Exception {
    int otlpPort = WardenProcess.freePort();
    warden = WardenProcess.start(tmp.resolve("data"), Map.of("WARDEN_OTLP_HTTP_PORT", Integer.toString(otlpPort)));
    String admin = warden.adminToken();
    WardenProcess.Response issued = warden.post(admin, "/api/v1/agents/reconciliation-finance/credentials", Map.of());
    String credential = issued.body().path("credential").asText();

    OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + otlpPort + "/v1/traces")
        .addHeader("Authorization", "Bearer " + credential)
        .build();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "finance-runtime")))
        .addSpanProcessor(SimpleSpanProcessor.create(exporter))
        .build();
    Tracer tracer = provider.get("warden-it");
    String traceId;
    Span root = tracer.spanBuilder("invoke_agent reconciliation-finance")
        .setAttribute("gen_ai.operation.name", "invoke_agent")
        .setAttribute("gen_ai.agent.name", "reconciliation-finance")
        .setAttribute("warden.intent", "reconcile supplier invoice INV-4711")
        .startSpan();
    try (Scope ignored = root.makeCurrent()) {
      traceId = root.getSpanContext().getTraceId();
      tracer.spanBuilder("chat claude-opus-4-7")
          .setAttribute("gen_ai.operation.name", "chat")
          .setAttribute("gen_ai.agent.name", "reconciliation-finance")
          .setAttribute("gen_ai.request.model", "claude-opus-4-7")
          .setAttribute("gen_ai.usage.input_tokens", 1200L)
          .setAttribute("gen_ai.usage.output_tokens", 300L)
          .setAttribute("gen_ai.input.messages",
              "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"match the quokka ledger entry\"}]}]")
          .startSpan().end();
    } finally {
      root.end();
    }
    assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    provider.shutdown().join(10, TimeUnit.SECONDS);

    // Searchable within about a second of the ack.
    String q = "/api/v1/traces/search?q=" + URLEncoder.encode("quokka", StandardCharsets.UTF_8)
        + "&agent=reconciliation-finance";
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> warden.get(admin, q).body().path("hits").size() == 1);
    JsonNode hit = warden.get(admin, q).body().path("hits").get(0);
    assertThat(hit.path("span").path("traceId").asText()).isEqualTo(traceId);
    assertThat(hit.path("span").path("costUsd").decimalValue()).isPositive();

    // The root ended after its child, so it came in a later export: wait for both.
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> warden.get(admin, "/api/v1/traces/" + traceId).body().path("spans").size() == 2);
    JsonNode logical = warden.get(admin, "/api/v1/logical-traces/" + traceId).body();
    assertThat(logical.toString()).contains("reconcile supplier invoice INV-4711");
    JsonNode costs = warden.get(admin, "/api/v1/costs?group_by=agent").body();
    assertThat(costs.path("rows").toString()).contains("reconciliation-finance");

    // kill -9 and restart: the acknowledged spans are still found.
    warden.kill();
    warden.launch();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .until(() -> warden.get(admin, "/api/v1/traces/" + traceId).body().path("spans").size() == 2);
    assertThat(warden.get(null, "/healthz").body().path("traces").path("status").asText()).isEqualTo("up");
  }
}
