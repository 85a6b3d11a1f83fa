package io.warden.tracestore;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.internal.FailedExportException;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.GrpcResponse;
import io.opentelemetry.sdk.common.export.GrpcStatusCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.warden.core.audit.AuditEvent;
import io.warden.core.identity.FailedAuthentications;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Failed authentications on the OTLP ports follow the rules of 8080: bounded audit entries, 429 /
 * RESOURCE_EXHAUSTED once the address is over its budget, and a valid credential, even a brand-new
 * one, always accepted from the flooding address.
 */
@Timeout(120)
class OtlpFailedAuthenticationIT extends RunningStore {
  private static final String BAD = "wdn_a_0123456789abcdef_" + "B".repeat(43);
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<byte[]> post(String bearer) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + store.httpPort() + "/v1/traces"))
        .header("Content-Type", "application/x-protobuf").header("Authorization", "Bearer " + bearer)
        .POST(HttpRequest.BodyPublishers.ofByteArray(ExportTraceServiceRequest.getDefaultInstance().toByteArray()))
        .build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private List<AuditEvent> failures() {
    return ids.audit.list(0, 10_000, "auth.failure");
  }

  @Test
  void httpFlood_isThrottled_auditedInAggregate_newCredentialStillWorks() throws Exception {
    Path auditFile = dir.resolve("identity").resolve("audit.log");
    long before = Files.size(auditFile);
    for (int i = 0; i < FailedAuthentications.DEFAULT_BUDGET; i++) {
      assertThat(post(BAD).statusCode()).isEqualTo(401);
    }
    HttpResponse<byte[]> refused = post(BAD);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(
        s -> assertThat(Long.parseLong(s)).isBetween(1L, 60L));
    for (int i = 0; i < 979; i++) {
      assertThat(post(BAD).statusCode()).isEqualTo(429);
    }

    // A credential issued now works at once from the same address.
    String fresh = ids.identity.issueCredential(ids.admin, Identities.RESEARCHER).secret();
    assertThat(post(fresh).statusCode()).isEqualTo(200);
    assertThat(post(ids.secret(Identities.PLANNER)).statusCode()).isEqualTo(200);

    ids.identity.close(); // writes the pending summary
    long bytes = Files.size(auditFile) - before;
    System.out.printf("OTLP/HTTP: audit bytes per 1,000 failed authentications: %d%n", bytes);
    assertThat(failures()).hasSize(2);
    assertThat(failures().stream().mapToLong(e -> ((Number) e.details().get("count")).longValue()).sum())
        .isEqualTo(1000);
    assertThat(bytes).isLessThan(2_000);
  }

  @Test
  void grpcFlood_isResourceExhausted_validCredentialIsNot() {
    InMemorySpanExporter ended = InMemorySpanExporter.create();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .addSpanProcessor(SimpleSpanProcessor.create(ended)).build();
    Tracer tracer = provider.get("warden-test");
    tracer.spanBuilder("op").startSpan().end();
    OtlpGrpcSpanExporter bad = exporter(BAD);
    String fresh = ids.identity.issueCredential(ids.admin, Identities.FINANCE).secret();
    OtlpGrpcSpanExporter good = exporter(fresh);
    try {
      for (int i = 0; i < FailedAuthentications.DEFAULT_BUDGET; i++) {
        assertThat(status(bad.export(ended.getFinishedSpanItems()))).isEqualTo(GrpcStatusCode.UNAUTHENTICATED);
      }
      assertThat(status(bad.export(ended.getFinishedSpanItems()))).isEqualTo(GrpcStatusCode.RESOURCE_EXHAUSTED);
      assertThat(good.export(ended.getFinishedSpanItems()).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(failures()).hasSize(1);
    } finally {
      bad.shutdown().join(10, TimeUnit.SECONDS);
      good.shutdown().join(10, TimeUnit.SECONDS);
      provider.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  private OtlpGrpcSpanExporter exporter(String bearer) {
    return OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + store.grpcPort())
        .addHeader("Authorization", "Bearer " + bearer).setRetryPolicy(null).setTimeout(Duration.ofSeconds(10))
        .build();
  }

  private static GrpcStatusCode status(CompletableResultCode export) {
    CompletableResultCode r = export.join(10, TimeUnit.SECONDS);
    assertThat(r.isSuccess()).isFalse();
    assertThat(r.getFailureThrowable()).isInstanceOf(FailedExportException.GrpcExportException.class);
    GrpcResponse response = ((FailedExportException.GrpcExportException) r.getFailureThrowable()).getResponse();
    return response.getStatusCode();
  }
}
