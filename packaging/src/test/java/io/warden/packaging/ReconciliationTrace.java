package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.concurrent.TimeUnit;

/**
 * The seeded agent's trace as its runtime sends it with the real OpenTelemetry SDK over OTLP/HTTP:
 * an {@code invoke_agent reconciliation-finance} root with an intent, and a {@code chat
 * claude-opus-4-7} child with usage and a prompt that mentions the word {@value #PROMPT_WORD}.
 */
final class ReconciliationTrace {
  /** A word only the chat span's prompt has, to find the trace by full text. */
  static final String PROMPT_WORD = "quokka";

  private ReconciliationTrace() {}

  /**
   * Sends the two spans to the appliance's OTLP/HTTP port with the agent's {@code credential},
   * asserts the export was acknowledged, and returns the trace id.
   */
  static String send(int otlpPort, String credential, String instrumentationScope) {
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "finance-runtime")))
        .addSpanProcessor(SimpleSpanProcessor.create(OtlpHttpSpanExporter.builder()
            .setEndpoint("http://127.0.0.1:" + otlpPort + "/v1/traces")
            .addHeader("Authorization", "Bearer " + credential)
            .build()))
        .build();
    Tracer tracer = provider.get(instrumentationScope);
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
              "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"match the " + PROMPT_WORD
                  + " ledger entry\"}]}]")
          .startSpan().end();
    } finally {
      root.end();
    }
    assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    provider.shutdown().join(10, TimeUnit.SECONDS);
    return traceId;
  }
}
