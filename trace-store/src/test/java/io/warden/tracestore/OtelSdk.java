package io.warden.tracestore;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The real OpenTelemetry SDK pointed at a trace store: one tracer provider per simulated runtime,
 * exporting over OTLP/HTTP protobuf or OTLP/gRPC with an {@code Authorization} header, as an agent
 * runtime configured with {@code OTEL_EXPORTER_OTLP_HEADERS} would.
 */
public final class OtelSdk implements AutoCloseable {
  public enum Protocol { HTTP, GRPC }

  final SdkTracerProvider tracerProvider;

  public OtelSdk(Protocol protocol, String host, int port, String bearer, String serviceName) {
    SpanExporter exporter = switch (protocol) {
      case HTTP -> OtlpHttpSpanExporter.builder()
          .setEndpoint("http://" + host + ":" + port + "/v1/traces")
          .addHeader("Authorization", "Bearer " + bearer)
          .setTimeout(Duration.ofSeconds(10))
          .build();
      case GRPC -> OtlpGrpcSpanExporter.builder()
          .setEndpoint("http://" + host + ":" + port)
          .addHeader("Authorization", "Bearer " + bearer)
          .setTimeout(Duration.ofSeconds(10))
          .build();
    };
    tracerProvider = SdkTracerProvider.builder()
        .setResource(Resource.create(Attributes.builder().put("service.name", serviceName).build()))
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofMillis(50)).build())
        .build();
  }

  public io.opentelemetry.api.trace.Tracer tracer() {
    return tracerProvider.get("warden-test");
  }

  /** Exports everything ended so far; true when the receiver acknowledged it. */
  public boolean flush() {
    return tracerProvider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess();
  }

  /** A logger provider exporting GenAI log records over OTLP/gRPC. */
  static SdkLoggerProvider grpcLogs(String host, int port, String bearer, String serviceName) {
    return SdkLoggerProvider.builder()
        .setResource(Resource.create(Attributes.builder().put("service.name", serviceName).build()))
        .addLogRecordProcessor(SimpleLogRecordProcessor.create(OtlpGrpcLogRecordExporter.builder()
            .setEndpoint("http://" + host + ":" + port)
            .addHeader("Authorization", "Bearer " + bearer)
            .build()))
        .build();
  }

  @Override
  public void close() {
    tracerProvider.shutdown().join(20, TimeUnit.SECONDS);
  }
}
