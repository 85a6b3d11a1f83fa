package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.vertx.core.Vertx;
import io.warden.core.audit.AuditLog;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.Principal;
import io.warden.core.identity.Role;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.SyncStatus;
import io.warden.core.store.StateStore;
import io.warden.api.ApiServer;
import io.warden.api.HealthRoutes;
import io.warden.api.TraceRoutes;
import io.warden.packaging.cli.TracesCommand;
import io.warden.tracestore.TraceStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The trace routes and the {@code warden traces} CLI against a real trace store and the real API
 * server: spans arrive over OTLP/HTTP with an agent credential, responders read them with a viewer
 * token.
 */
@Timeout(120)
class TraceRoutesIT {
  private static final String T1 = "0af7651916cd43dd8448eb211c80319c";
  private static final String T2 = "1bf7651916cd43dd8448eb211c80319d";

  @TempDir
  Path dir;

  private StateStore state;
  private AuditLog audit;
  private TraceStore traces;
  private Vertx vertx;
  private ApiServer api;
  private String viewer;
  private String agentSecret;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    state = StateStore.open(dir.resolve("state.db"));
    audit = AuditLog.open(dir.resolve("audit.log"));
    Inventory inventory = Inventory.create();
    inventory.replace("c0ffee", List.of(agent("planner"), agent("researcher")));
    IdentityService identity = IdentityService.create(state, audit, inventory, dir.resolve("signing.key"),
        Clock.systemUTC());
    Principal admin = identity.authenticate(identity.bootstrapAdmin().orElseThrow().secret());
    viewer = identity.createUser(admin, "vera", Role.VIEWER, Set.of()).secret();
    agentSecret = identity.issueCredential(admin, "planner").secret();
    String researcherSecret = identity.issueCredential(admin, "researcher").secret();
    traces = TraceStore.builder(dir.resolve("data")).setIdentityService(identity).setInventory(inventory)
        .setHttpPort(0).setGrpcPort(0).build();
    traces.start().await();
    vertx = Vertx.vertx();
    api = new ApiServer("127.0.0.1", 0, identity, Appliance.jsonMapper(), HealthRoutes.of(Map.of()),
        List.of(new TraceRoutes(traces, Clock.systemUTC())));
    vertx.deployVerticle(api).await();

    long now = Instant.now().toEpochMilli() * 1_000_000L;
    export(agentSecret, "planner", span(T1, "00000000000000a1", "", "invoke_agent planner", now, now + 2_000_000_000L,
        List.of(kv("gen_ai.operation.name", "invoke_agent"), kv("warden.intent", "pay invoice 4711"))));
    export(researcherSecret, "researcher", span(T2, "00000000000000b1", "", "chat", now + 1_000_000, now + 9_000_000,
        List.of(kv("gen_ai.operation.name", "chat"), kv("gen_ai.request.model", "gpt-4o"),
            kv("warden.delegation", "planner@" + T1 + ":00000000000000a1"),
            KeyValue.newBuilder().setKey("gen_ai.usage.input_tokens")
                .setValue(AnyValue.newBuilder().setIntValue(1000)).build(),
            kv("gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\","
                + "\"content\":\"Is invoice 4711 already paid?\"}]}]"))));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        // Both spans: the researcher's prompt and the planner's intent name the invoice.
        assertThat(get("/api/v1/traces/search?q=invoice", viewer).path("hits")).hasSize(2));
  }

  @AfterEach
  void stop() {
    vertx.close().await();
    traces.close();
    state.close();
    audit.close();
  }

  private static AgentState agent(String name) {
    return new AgentState(new AgentDescriptor(AgentDescriptor.API_VERSION, AgentDescriptor.KIND,
        new AgentDescriptor.Metadata(name, "platform", Map.of()),
        new AgentDescriptor.Spec(null, null, List.of(), null, null, null, null, null, null, List.of())),
        "c0ffee", SyncStatus.SYNCED, "", Instant.EPOCH);
  }

  private static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
  }

  private static Span span(String trace, String id, String parent, String name, long start, long end,
      List<KeyValue> attrs) {
    Span.Builder b = Span.newBuilder().setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(trace)))
        .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(id))).setName(name)
        .setStartTimeUnixNano(start).setEndTimeUnixNano(end).addAllAttributes(attrs)
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK));
    if (!parent.isEmpty()) {
      b.setParentSpanId(ByteString.copyFrom(HexFormat.of().parseHex(parent)));
    }
    return b.build();
  }

  private void export(String secret, String service, Span span) throws Exception {
    ExportTraceServiceRequest req = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(kv("service.name", service)))
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + traces.httpPort() + "/v1/traces"))
        .header("Content-Type", "application/x-protobuf").header("Authorization", "Bearer " + secret)
        .POST(HttpRequest.BodyPublishers.ofByteArray(req.toByteArray())).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> raw(String path, String token) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode get(String path, String token) throws Exception {
    HttpResponse<String> r = raw(path, token);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Appliance.jsonMapper().readTree(r.body());
  }

  @Test
  void search_withQueryAndFilters_returnsHighlightedHits() throws Exception {
    JsonNode body = get("/api/v1/traces/search?q=" + URLEncoder.encode("paid AND invoice", StandardCharsets.UTF_8)
        + "&agent=researcher&model=gpt-4o&min_cost_usd=0.001&from=1h", viewer);
    JsonNode hit = body.path("hits").get(0);
    assertThat(hit.path("span").path("traceId").asText()).isEqualTo(T2);
    assertThat(hit.path("span").path("costUsd").decimalValue()).isEqualByComparingTo("0.0025");
    assertThat(hit.path("highlights").get(0).asText()).contains("<em>invoice</em>").contains("<em>paid</em>");
    assertThat(get("/api/v1/traces/search?agent=planner&status=error", viewer).path("hits")).isEmpty();
  }

  @Test
  void search_malformedQuery_is400NamingTheColumn() throws Exception {
    HttpResponse<String> r = raw("/api/v1/traces/search?q=" + URLEncoder.encode("invoice AND (paid", StandardCharsets.UTF_8),
        viewer);
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode body = Appliance.jsonMapper().readTree(r.body());
    assertThat(body.path("code").asText()).isEqualTo("invalid_input");
    assertThat(body.path("message").asText()).startsWith("malformed query at column 18: unexpected end of query");
  }

  @Test
  void search_pagination_followsTheCursor() throws Exception {
    JsonNode first = get("/api/v1/traces/search?limit=1", viewer);
    assertThat(first.path("hits")).hasSize(1);
    String cursor = first.path("next_cursor").asText();
    JsonNode second = get("/api/v1/traces/search?limit=1&cursor=" + cursor, viewer);
    assertThat(second.path("hits")).hasSize(1);
    assertThat(second.path("hits").get(0).path("span").path("spanId").asText())
        .isNotEqualTo(first.path("hits").get(0).path("span").path("spanId").asText());
    // Newest first: the planner span started first, so it comes second.
    assertThat(second.path("hits").get(0).path("span").path("agent").asText()).isEqualTo("planner");
  }

  @Test
  void traceAndLogicalTrace_returnTheTree() throws Exception {
    JsonNode trace = get("/api/v1/traces/" + T2, viewer);
    assertThat(trace.path("spans")).hasSize(1);
    assertThat(trace.path("logical_trace_id").asText()).isEqualTo(T1);
    JsonNode logical = get("/api/v1/logical-traces/" + T2, viewer);
    assertThat(logical.path("id").asText()).isEqualTo(T1);
    assertThat(logical.path("intent").asText()).isEqualTo("pay invoice 4711");
    JsonNode child = logical.path("roots").get(0).path("children").get(0);
    assertThat(child.path("span").path("delegationChain")).extracting(JsonNode::asText)
        .containsExactly("planner", "researcher");
    // The researcher named the planner in baggage with its own credential, not a scoped token.
    assertThat(child.path("delegationVerified").isBoolean()).isTrue();
    assertThat(child.path("delegationVerified").asBoolean()).isFalse();
    assertThat(child.path("span").path("attributes").path("warden.delegation.verified").asText()).isEqualTo("false");
    assertThat(logical.path("roots").get(0).path("delegationVerified").asBoolean()).isTrue();
    assertThat(raw("/api/v1/traces/ffffffffffffffffffffffffffffffff", viewer).statusCode()).isEqualTo(404);
    assertThat(raw("/api/v1/traces/not-hex", viewer).statusCode()).isEqualTo(400);
  }

  @Test
  void costs_groupByAgentAndModel() throws Exception {
    JsonNode byAgent = get("/api/v1/costs?group_by=agent&from=2020-01-01", viewer);
    assertThat(byAgent.path("rows")).extracting(r -> r.path("key").asText()).contains("researcher", "planner");
    JsonNode byModel = get("/api/v1/costs?group_by=model", viewer);
    assertThat(byModel.path("rows").get(0).path("key").asText()).isEqualTo("gpt-4o");
    assertThat(byModel.path("rows").get(0).path("tokensUsd").decimalValue()).isEqualByComparingTo("0.0025");
    assertThat(raw("/api/v1/costs?group_by=planet", viewer).statusCode()).isEqualTo(400);
  }

  @Test
  void routes_refuseAgents() throws Exception {
    assertThat(raw("/api/v1/traces/search?q=invoice", agentSecret).statusCode()).isEqualTo(403);
  }

  @Test
  void cli_tracesSearch_printsHitsWithHighlights() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    // The integrator registers TracesCommand under Main; run it on its own here.
    CommandLine cli = new CommandLine(new TracesCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute("search", "paid", "--agent", "researcher",
        "--server", "http://127.0.0.1:" + api.port(), "--token", viewer);
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("researcher").contains(T2).contains("[paid]");
  }
}
