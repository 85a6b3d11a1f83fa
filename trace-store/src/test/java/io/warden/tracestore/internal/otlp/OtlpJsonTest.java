package io.warden.tracestore.internal.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OtlpJsonTest {
  @Test
  void parse_hexIdsInSpansAndLinks_becomeBytes() {
    String json = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\","
        + "\"spanId\":\"eee19b7ec3c1b174\",\"links\":[{\"traceId\":\"5B8EFFF798038103D269B633813FC60D\","
        + "\"spanId\":\"EEE19B7EC3C1B173\"}],\"kind\":\"SPAN_KIND_SERVER\"}]}]}]}";
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    OtlpJson.parse(json.getBytes(StandardCharsets.UTF_8), b);
    var span = b.getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(Otlp.hex(span.getTraceId())).isEqualTo("5b8efff798038103d269b633813fc60c");
    assertThat(Otlp.hex(span.getSpanId())).isEqualTo("eee19b7ec3c1b174");
    assertThat(Otlp.hex(span.getLinks(0).getSpanId())).isEqualTo("eee19b7ec3c1b173");
  }

  @Test
  void parse_badJson_saysWhere() {
    assertThatThrownBy(() -> OtlpJson.parse("{\"resourceSpans\": [}".getBytes(StandardCharsets.UTF_8),
        ExportTraceServiceRequest.newBuilder()))
        .isInstanceOf(MalformedException.class).hasMessageContaining("line 1, column");
    assertThatThrownBy(() -> OtlpJson.parse("{\"resourceSpans\": 5}".getBytes(StandardCharsets.UTF_8),
        ExportTraceServiceRequest.newBuilder()))
        .isInstanceOf(MalformedException.class).hasMessageContaining("does not match the OTLP message");
  }
}
