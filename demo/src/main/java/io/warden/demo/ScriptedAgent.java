package io.warden.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.warden.demo.standin.UpstreamMcpServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One agent of the demo, scripted: what a real agent runtime does on the wire, and nothing more. It
 * calls models through the model gateway ({@code /v1/chat/completions} or {@code /v1/messages}) and
 * tools through the MCP gateway ({@code /mcp}, the official SDK's client), with its Warden
 * credential or a scoped token as key, and exports its own spans over OTLP/HTTP with the
 * OpenTelemetry SDK's exporter, propagating {@code traceparent} and the {@code warden.*} baggage
 * as trace-store/README.md asks. Its decisions are scripted by {@link DemoTraffic}; the reference
 * agent of {@code examples/agents/} can take its place without changing the rest of the driver.
 */
final class ScriptedAgent implements AutoCloseable {
  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> AGENT_NAME = AttributeKey.stringKey("gen_ai.agent.name");
  static final AttributeKey<String> INTENT = AttributeKey.stringKey("warden.intent");
  static final AttributeKey<String> DELEGATION = AttributeKey.stringKey("warden.delegation");
  static final AttributeKey<String> TEXT = AttributeKey.stringKey("warden.text");

  final String name;
  private final WardenHttp warden;
  private final Supplier<String> key;
  private final SdkTracerProvider tracing;
  private final Tracer tracer;

  /**
   * @param key the agent's credential, or the scoped token it currently holds (read at every call
   *     and every span export)
   */
  ScriptedAgent(String name, WardenHttp warden, URI otlpHttp, Supplier<String> key) {
    this.name = name;
    this.warden = warden;
    this.key = key;
    OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
        .setEndpoint(otlpHttp.resolve("/v1/traces").toString())
        .setHeaders(() -> Map.of("Authorization", "Bearer " + key.get()))
        .build();
    this.tracing = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), name + "-runtime"))))
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofMillis(300)).build())
        .build();
    this.tracer = tracing.get("io.warden.demo");
  }

  /** The agent's root span for one request: {@code invoke_agent}, carrying the intent. */
  Span startRun(String intent, Baggage baggage, SpanContext... links) {
    SpanBuilder b = tracer.spanBuilder("invoke_agent " + name)
        .setNoParent()
        .setAttribute(OPERATION, "invoke_agent")
        .setAttribute(AGENT_NAME, name)
        .setAttribute(INTENT, intent);
    if (!baggage.delegation().isEmpty()) {
      b.setAttribute(DELEGATION, baggage.delegation());
    }
    for (SpanContext link : links) {
      b.addLink(link);
    }
    return b.startSpan();
  }

  /** A child span of {@code parent} (a step of the agent's own work). */
  Span step(Span parent, String spanName, Baggage baggage) {
    SpanBuilder b = tracer.spanBuilder(spanName).setParent(Context.root().with(parent))
        .setAttribute(INTENT, baggage.intent());
    if (!baggage.delegation().isEmpty()) {
      b.setAttribute(DELEGATION, baggage.delegation());
    }
    return b.startSpan();
  }

  /** A Chat Completions call through the model gateway under {@code parent}; the answer's text. */
  String chat(Span parent, Baggage baggage, String model, String system, String user) {
    ObjectNode body = WardenHttp.JSON.createObjectNode().put("model", model).put("max_tokens", 64);
    body.putArray("messages")
        .add(WardenHttp.JSON.createObjectNode().put("role", "system").put("content", system))
        .add(WardenHttp.JSON.createObjectNode().put("role", "user").put("content", user));
    WardenHttp.Reply r = warden.send(key.get(), "POST", "/v1/chat/completions", body, headers(parent, baggage));
    return warden.expect(r, name + " chat completion").path("choices").path(0).path("message").path("content").asText();
  }

  /** An Anthropic Messages call through the model gateway under {@code parent}; the answer's text. */
  String message(Span parent, Baggage baggage, String model, String system, String user) {
    ObjectNode body = WardenHttp.JSON.createObjectNode().put("model", model).put("max_tokens", 64).put("system", system);
    body.putArray("messages").add(WardenHttp.JSON.createObjectNode().put("role", "user").put("content", user));
    Map<String, String> headers = new LinkedHashMap<>(headers(parent, baggage));
    headers.put("anthropic-version", "2023-06-01");
    WardenHttp.Reply r = warden.send(key.get(), "POST", "/v1/messages", body, headers);
    return warden.expect(r, name + " message").path("content").path(0).path("text").asText();
  }

  /** A new MCP session with the MCP gateway under the key the agent holds now. */
  McpSyncClient mcp() {
    McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(warden.base().toString())
            .endpoint("/mcp")
            .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + key.get()))
            .build())
        // A held payment waits for a human: as long as the approval may take.
        .requestTimeout(Duration.ofHours(2))
        .jsonSchemaValidator(UpstreamMcpServer.NO_VALIDATION)
        .build();
    client.initialize();
    return client;
  }

  /** {@code tools/call} with the trace context in {@code _meta}, as the MCP gateway reads it. */
  static McpSchema.CallToolResult call(McpSyncClient client, Span parent, Baggage baggage, String tool,
      Map<String, Object> arguments, Map<String, Object> extraMeta) {
    Map<String, Object> meta = new LinkedHashMap<>(headers(parent, baggage));
    meta.putAll(extraMeta);
    return client.callTool(new McpSchema.CallToolRequest(tool, arguments, meta));
  }

  static Map<String, String> headers(Span parent, Baggage baggage) {
    SpanContext c = parent.getSpanContext();
    return Map.of("traceparent", "00-" + c.getTraceId() + "-" + c.getSpanId() + "-01", "baggage", baggage.header());
  }

  @Override
  public void close() {
    tracing.forceFlush().join(10, TimeUnit.SECONDS);
    tracing.shutdown().join(10, TimeUnit.SECONDS);
  }

  /**
   * The W3C baggage a request carries: the original intent and the delegation hops, outermost
   * first ({@code agent@traceId:spanId}).
   */
  record Baggage(String intent, String delegation) {
    static Baggage of(String intent) {
      return new Baggage(intent, "");
    }

    /** This baggage with one more hop: {@code agent} delegates from {@code span}. */
    Baggage delegatedFrom(String agent, Span span) {
      SpanContext c = span.getSpanContext();
      String hop = agent + "@" + c.getTraceId() + ":" + c.getSpanId();
      return new Baggage(intent, delegation.isEmpty() ? hop : delegation + "," + hop);
    }

    String header() {
      StringBuilder b = new StringBuilder("warden.intent=").append(encode(intent));
      if (!delegation.isEmpty()) {
        b.append(",warden.delegation=").append(encode(delegation));
      }
      return b.toString();
    }

    private static String encode(String s) {
      return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
  }
}
