package io.warden.tracestore.internal.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.warden.core.trace.SpanRecord;
import io.warden.tracestore.internal.assembly.LogicalTraceHints;
import io.warden.tracestore.internal.otlp.OtlpJson;
import io.warden.tracestore.pricing.Pricing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden files, one per convention: spans as the instrumentation library exports them (OTLP JSON,
 * attribute names and value types as the library's own sources define them) in
 * {@code src/test/resources/conventions/<name>.json}, the mapped fields out in
 * {@code <name>.golden.json}. To regenerate after an intended change, run with
 * {@code -Dgolden.update=true} and review the diff.
 */
class ConventionGoldenTest {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Path DIR = Path.of("src/test/resources/conventions");
  /** Attributes the mapping itself writes, shown in the golden files. */
  private static final List<String> SHOWN_ATTRIBUTES = List.of(SpanMapper.PROVIDER, SpanMapper.REASONING_TOKENS,
      SpanMapper.CACHE_WRITE_TOKENS, SpanMapper.OPERATION_SOURCE, TextExtractor.REASONING_RANGES, SpanMapper.COST_UNPRICED);

  private final SpanMapper mapper = new SpanMapper("planner"::equals,
      () -> Pricing.parse("pricing.yaml", Pricing.seedYaml()), new LogicalTraceHints(100));

  static ExportTraceServiceRequest fixture(String name) throws IOException {
    try (InputStream in = ConventionGoldenTest.class.getResourceAsStream("/conventions/" + name + ".json")) {
      ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
      OtlpJson.parse(Objects.requireNonNull(in, name).readAllBytes(), b);
      return b.build();
    }
  }

  static Map<String, Object> fields(SpanRecord s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("span_id", s.spanId());
    m.put("name", s.name());
    m.put("operation", s.operation());
    m.put("request_model", s.requestModel());
    m.put("response_model", s.responseModel());
    m.put("input_tokens", s.inputTokens());
    m.put("output_tokens", s.outputTokens());
    m.put("cached_input_tokens", s.cachedTokens());
    m.put("tool", s.toolName());
    m.put("conversation_id", s.conversationId());
    m.put("cost_usd", s.costUsd().toPlainString());
    m.put("text", s.text());
    Map<String, String> attrs = new LinkedHashMap<>();
    for (String k : SHOWN_ATTRIBUTES) {
      if (s.attributes().containsKey(k)) {
        attrs.put(k, s.attributes().get(k));
      }
    }
    m.put("attributes", attrs);
    return m;
  }

  @ParameterizedTest
  @ValueSource(strings = {"openinference-openai", "vercel-ai", "openllmetry-legacy", "genai-reasoning",
      "anthropic-cache-writes"})
  void mapTraces_fixtureOfTheLibrary_givesTheGoldenFields(String name) throws IOException {
    var result = mapper.mapTraces(fixture(name), Caller.agent("planner", List.of()));
    assertThat(result.rejected()).as(result.message()).isZero();
    List<Map<String, Object>> out = new ArrayList<>();
    for (SpanRecord s : result.accepted()) {
      out.add(fields(s));
    }
    Path golden = DIR.resolve(name + ".golden.json");
    String actual = JSON.writeValueAsString(out) + "\n";
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(golden, actual);
    }
    JsonNode expected = JSON.readTree(Files.readString(golden));
    assertThat(JSON.readTree(actual)).as("mapped fields of %s (golden file %s)", name, golden).isEqualTo(expected);
  }
}
