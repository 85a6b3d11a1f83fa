package io.warden.tracestore;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.internal.FailedExportException;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.GrpcResponse;
import io.opentelemetry.sdk.common.export.GrpcStatusCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * OTLP/gRPC backpressure as the real OpenTelemetry exporter sees it: when the write-ahead log is
 * full, Export answers RESOURCE_EXHAUSTED (with a reason), never an unbounded queue.
 */
@Timeout(120)
class OtlpGrpcBackpressureIT extends RunningStore {

  @Override
  TraceStoreBuilder configure(TraceStoreBuilder builder) {
    // An index that never commits, so the write-ahead log only grows past its 1 MiB bound.
    return builder.setMaxRequestBytes(256 * 1024).setWalMaxBytes(1 << 20).setLuceneCommitEvery(Duration.ofHours(1));
  }

  @Test
  void fullWriteAheadLog_isResourceExhausted() {
    InMemorySpanExporter ended = InMemorySpanExporter.create();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .addSpanProcessor(SimpleSpanProcessor.create(ended))
        .build();
    Tracer tracer = provider.get("warden-test");
    OtlpGrpcSpanExporter grpc = OtlpGrpcSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + store.grpcPort())
        .addHeader("Authorization", "Bearer " + ids.secret(Identities.PLANNER))
        .setRetryPolicy(null)
        .setTimeout(Duration.ofSeconds(10))
        .build();
    try {
      CompletableResultCode result = null;
      String text = "x".repeat(100_000);
      for (int i = 0; i < 40; i++) {
        ended.reset();
        tracer.spanBuilder("op").setAttribute("warden.text", text + i).startSpan().end();
        result = grpc.export(ended.getFinishedSpanItems()).join(10, TimeUnit.SECONDS);
        if (!result.isSuccess()) {
          break;
        }
      }
      assertThat(result).isNotNull();
      assertThat(result.isSuccess()).as("the log is bounded, so some export must be refused").isFalse();
      assertThat(result.getFailureThrowable()).isInstanceOf(FailedExportException.GrpcExportException.class);
      GrpcResponse response = ((FailedExportException.GrpcExportException) result.getFailureThrowable()).getResponse();
      assertThat(response.getStatusCode()).isEqualTo(GrpcStatusCode.RESOURCE_EXHAUSTED);
      assertThat(response.getStatusDescription()).contains("write-ahead log holds");
    } finally {
      grpc.shutdown().join(10, TimeUnit.SECONDS);
      provider.shutdown().join(10, TimeUnit.SECONDS);
    }
  }
}
