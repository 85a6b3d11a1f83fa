package io.warden.tracestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.warden.core.trace.SpanRecord;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** OTLP/HTTP answers as the spec says: encodings, partial success, and every refusal. */
@Timeout(120)
class OtlpHttpProtocolIT extends RunningStore {
  private static final String TRACE = "5b8efff798038103d269b633813fc60c";
  private static final long NOW = 1_760_000_000_000_000_000L;

  private final HttpClient http = HttpClient.newHttpClient();

  @Override
  TraceStoreBuilder configure(TraceStoreBuilder builder) {
    // Small limits, and an index that never commits, so that the write-ahead log only grows.
    return builder.setMaxRequestBytes(256 * 1024).setWalMaxBytes(1 << 20).setLuceneCommitEvery(Duration.ofHours(1));
  }

  private HttpResponse<byte[]> post(String path, String contentType, byte[] body, String bearer, String encoding)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + store.httpPort() + path))
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    if (encoding != null) {
      b.header("Content-Encoding", encoding);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
  }

  private static Span span(String trace, String id, long start, long end, String text) {
    return Span.newBuilder().setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(trace)))
        .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(id))).setName("op")
        .setStartTimeUnixNano(start).setEndTimeUnixNano(end).addAttributes(kv("warden.text", text)).build();
  }

  private static ExportTraceServiceRequest request(List<KeyValue> resource, Span... spans) {
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAllAttributes(resource))
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)))).build();
  }

  /** Decodes the google.rpc.Status error body: field 1 code, field 2 message. */
  private static String statusMessage(byte[] body) throws Exception {
    CodedInputStream in = CodedInputStream.newInstance(body);
    String message = "";
    int tag;
    while ((tag = in.readTag()) != 0) {
      if (tag >>> 3 == 2) {
        message = in.readString();
      } else {
        in.skipField(tag);
      }
    }
    return message;
  }

  private List<SpanRecord> search(String text) throws Exception {
    return store.search(query(text, null)).hits().stream().map(SpanHit::span).toList();
  }

  @Test
  void json_withHexIds_isAccepted() throws Exception {
    String json = """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"planner"}}]},
          "scopeSpans":[{"scope":{"name":"manual"},"spans":[{
            "traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","parentSpanId":"",
            "name":"chat","kind":3,"startTimeUnixNano":"1760000000000000000","endTimeUnixNano":"1760000001000000000",
            "attributes":[{"key":"warden.text","value":{"stringValue":"json encoded span"}},
                          {"key":"gen_ai.usage.input_tokens","value":{"intValue":"10"}}],
            "status":{"code":2,"message":"boom"},"unknownField":true}]}]}]}""";
    HttpResponse<byte[]> r = post("/v1/traces", "application/json", json.getBytes(StandardCharsets.UTF_8),
        ids.secret(Identities.PLANNER), null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(search("json")).hasSize(1));
    SpanRecord s = search("json").get(0);
    assertThat(s.traceId()).isEqualTo(TRACE);
    assertThat(s.spanId()).isEqualTo("eee19b7ec3c1b174");
    assertThat(s.status()).isEqualTo("ERROR");
    assertThat(s.inputTokens()).isEqualTo(10);
  }

  @Test
  void json_withBase64Ids_is400() throws Exception {
    String json = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"W47/95gDgQPSabYzgT/GDA==\","
        + "\"spanId\":\"7uGbfsPBsXQ=\",\"name\":\"x\"}]}]}]}";
    HttpResponse<byte[]> r = post("/v1/traces", "application/json", json.getBytes(StandardCharsets.UTF_8),
        ids.secret(Identities.PLANNER), null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("is not a hex id");
  }

  @Test
  void malformedProtobuf_is400WithStatus() throws Exception {
    HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf", new byte[] {0x0a, 0x7f, 0x01},
        ids.secret(Identities.PLANNER), null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(statusMessage(r.body())).startsWith("malformed protobuf body");
  }

  @Test
  void gzipProtobuf_isAccepted_andBadGzipIs400() throws Exception {
    byte[] body = request(List.of(), span(TRACE, "00000000000000a1", NOW, NOW + 5, "gzipped span")).toByteArray();
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
      gz.write(body);
    }
    assertThat(post("/v1/traces", "application/x-protobuf", zipped.toByteArray(), ids.secret(Identities.PLANNER),
        "gzip").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(search("gzipped")).hasSize(1));
    HttpResponse<byte[]> bad = post("/v1/traces", "application/x-protobuf", body, ids.secret(Identities.PLANNER),
        "gzip");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(statusMessage(bad.body())).contains("gzip");
  }

  @Test
  void badSpans_areRejectedInPartialSuccess_theRestKept() throws Exception {
    ExportTraceServiceRequest req = request(List.of(kv("warden.agent", Identities.PLANNER)),
        span(TRACE, "00000000000000b1", NOW, NOW + 5, "good span"),
        span(TRACE, "00000000000000b2", NOW + 5, NOW, "backwards span"),
        span("00000000000000000000000000000000", "00000000000000b3", NOW, NOW + 5, "zero trace"),
        span(TRACE, "00000000000000b4", NOW, NOW + 5, "ghost span").toBuilder()
            .addAttributes(kv("warden.agent", "ghost")).build());
    HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf", req.toByteArray(), ids.ingestToken, null);
    assertThat(r.statusCode()).isEqualTo(200);
    ExportTraceServiceResponse res = ExportTraceServiceResponse.parseFrom(r.body());
    assertThat(res.getPartialSuccess().getRejectedSpans()).isEqualTo(3);
    assertThat(res.getPartialSuccess().getErrorMessage())
        .contains("rejected 3 of 4 spans")
        .contains("span 00000000000000b2 in trace " + TRACE + ": ends before it starts")
        .contains("invalid trace id")
        .contains("names unknown agent 'ghost'");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(search("span")).hasSize(1));
    assertThat(search("span").get(0).agent()).isEqualTo(Identities.PLANNER);
  }

  @Test
  void refusals_haveTheirStatusCodes() throws Exception {
    byte[] body = request(List.of(), span(TRACE, "00000000000000c1", NOW, NOW + 5, "x")).toByteArray();
    assertThat(post("/v1/traces", "application/x-protobuf", body, null, null).statusCode()).isEqualTo(401);
    assertThat(post("/v1/traces", "application/x-protobuf", body, "wdn_a_nope_nope", null).statusCode())
        .isEqualTo(401);
    assertThat(post("/v1/traces", "application/x-protobuf", body, ids.viewerToken, null).statusCode())
        .isEqualTo(403);
    assertThat(post("/v1/traces", "text/plain", body, ids.secret(Identities.PLANNER), null).statusCode())
        .isEqualTo(415);
    assertThat(post("/v1/metrics", "application/x-protobuf", body, ids.secret(Identities.PLANNER), null)
        .statusCode()).isEqualTo(404);
    HttpResponse<byte[]> big = post("/v1/traces", "application/x-protobuf", new byte[300 * 1024],
        ids.secret(Identities.PLANNER), null);
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(statusMessage(big.body())).contains("over the limit of 262144 bytes");
  }

  @Test
  void fullWriteAheadLog_is429WithRetryAfter() throws Exception {
    // The index never commits in this test, so the log only grows: past 1 MiB ingest must push back.
    String text = "x".repeat(100_000);
    HttpResponse<byte[]> r = null;
    for (int i = 0; i < 40; i++) {
      String id = String.format("%016x", 0xd000 + i);
      r = post("/v1/traces", "application/x-protobuf",
          request(List.of(), span(TRACE, id, NOW, NOW + 5, text + i)).toByteArray(), ids.secret(Identities.PLANNER),
          null);
      if (r.statusCode() != 200) {
        break;
      }
    }
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Retry-After")).isPresent();
    assertThat(statusMessage(r.body())).contains("write-ahead log holds");
  }

  @Test
  void logs_attachTextToTheirSpan_beforeOrAfterItArrives() throws Exception {
    String early = "00000000000000e1";
    String late = "00000000000000e2";
    // A prompt for a span that is already stored, and a completion for one that arrives later.
    post("/v1/traces", "application/x-protobuf",
        request(List.of(), span(TRACE, early, NOW, NOW + 5, "first span")).toByteArray(),
        ids.secret(Identities.PLANNER), null);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(search("first")).hasSize(1));
    ExportLogsServiceRequest logs = ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
        .addScopeLogs(ScopeLogs.newBuilder()
            .addLogRecords(log(early, "gen_ai.user.message", "what is the refund policy"))
            .addLogRecords(log(late, "gen_ai.choice", "refunds within thirty days"))
            .addLogRecords(LogRecord.newBuilder().setTimeUnixNano(NOW)
                .setBody(AnyValue.newBuilder().setStringValue("no span context")))))
        .build();
    HttpResponse<byte[]> r = post("/v1/logs", "application/x-protobuf", logs.toByteArray(),
        ids.secret(Identities.PLANNER), null);
    assertThat(r.statusCode()).isEqualTo(200);
    var res = io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse.parseFrom(r.body());
    assertThat(res.getPartialSuccess().getRejectedLogRecords()).isEqualTo(1);
    post("/v1/traces", "application/x-protobuf",
        request(List.of(), span(TRACE, late, NOW + 10, NOW + 20, "second span")).toByteArray(),
        ids.secret(Identities.PLANNER), null);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(search("\"refund policy\"")).extracting(SpanRecord::spanId).containsExactly(early);
      assertThat(search("thirty")).extracting(SpanRecord::spanId).containsExactly(late);
    });
    assertThat(search("thirty").get(0).text()).contains("second span").contains("refunds within thirty days");
  }

  private static LogRecord log(String spanId, String event, String content) {
    return LogRecord.newBuilder().setTimeUnixNano(NOW).setEventName(event)
        .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(TRACE)))
        .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(spanId)))
        .setBody(AnyValue.newBuilder().setKvlistValue(io.opentelemetry.proto.common.v1.KeyValueList.newBuilder()
            .addValues(kv("role", "user")).addValues(kv("content", content))))
        .build();
  }
}
