package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The model gateway in the packaged appliance: the seeded agent calls {@code POST /v1/messages} with
 * its credential, the real OPA sidecar decides, the call reaches a provider stand-in pinned to the
 * snapshot from the seeded {@code models.yaml}, and the GenAI span is searchable in the trace store
 * under the caller's trace. A policy merged through a change request then denies model calls.
 */
@Timeout(300)
class ModelGatewayIT extends ApplianceTestBase {
  private static final String AGENT = "reconciliation-finance";
  private final Vertx vertx = Vertx.vertx();
  private final List<JsonNode> upstream = new CopyOnWriteArrayList<>();
  private final List<String> upstreamKeys = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stopStandIn() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The smallest Anthropic Messages stand-in: one whole answer with usage, in the real shape. */
  private int startAnthropicStandIn() throws Exception {
    return JsonStandIn.start(vertx, (req, body) -> {
      upstream.add(body);
      upstreamKeys.add(String.valueOf(req.getHeader("x-api-key")));
      String model = body.path("model").asText();
      return "{\"id\":\"msg_it\",\"type\":\"message\","
          + "\"role\":\"assistant\",\"model\":\"" + model + "\",\"content\":[{\"type\":\"text\",\"text\":"
          + "\"The wombat invoice matches ledger line 7.\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
          + "\"usage\":{\"input_tokens\":900,\"output_tokens\":120,\"cache_creation_input_tokens\":0,"
          + "\"cache_read_input_tokens\":300}}";
    });
  }

  private HttpResponse<String> messages(String key, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(warden.uri("/v1/messages")).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json").header("anthropic-version", "2023-06-01")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("x-api-key", key);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void agentCall_isPinnedDecidedMeteredAndTraced_thenAMergedPolicyDeniesIt() throws Exception {
    int standIn = startAnthropicStandIn();
    warden = WardenProcess.start(tmp.resolve("data"), Map.of(
        "WARDEN_GATEWAY_PROVIDERS_ANTHROPIC_BASE_URL", "http://127.0.0.1:" + standIn,
        "WARDEN_GATEWAY_PROVIDERS_ANTHROPIC_API_KEY_ENV", "STANDIN_ANTHROPIC_KEY",
        "STANDIN_ANTHROPIC_KEY", "sk-ant-it"));
    String admin = warden.adminToken();
    String credential = warden.post(admin, "/api/v1/agents/" + AGENT + "/credentials", Map.of())
        .body().path("credential").asText();
    String request = "{\"model\":\"claude-opus-4-7\",\"max_tokens\":256,\"messages\":[{\"role\":\"user\","
        + "\"content\":\"Does the wombat invoice match the ledger?\"}]}";

    // No key: 401 in Anthropic's shape, not the REST API's.
    HttpResponse<String> anonymous = messages(null, request);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(WardenProcess.JSON.readTree(anonymous.body()).path("error").path("type").asText())
        .isEqualTo("authentication_error");
    // The REST API still answers its own 401.
    assertThat(warden.get(null, "/api/v1/whoami").status()).isEqualTo(401);

    String trace = "5bf92f3577b34da6a3ce929d0e0e4736";
    String parent = "10f067aa0ba902b7";
    HttpResponse<String> ok = messages(credential, request, "traceparent", "00-" + trace + "-" + parent + "-01");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(ok.body()).contains("The wombat invoice matches ledger line 7.");
    assertThat(upstream).singleElement()
        .satisfies(b -> assertThat(b.path("model").asText()).isEqualTo("claude-opus-4-7-20260214"));
    assertThat(upstreamKeys).containsExactly("sk-ant-it");

    String q = "/api/v1/traces/search?q=" + URLEncoder.encode("wombat", StandardCharsets.UTF_8) + "&agent=" + AGENT;
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
        .until(() -> warden.get(admin, q).body().path("hits").size() == 1);
    JsonNode span = warden.get(admin, q).body().path("hits").get(0).path("span");
    assertThat(span.path("traceId").asText()).isEqualTo(trace);
    assertThat(span.path("parentSpanId").asText()).isEqualTo(parent);
    assertThat(span.path("operation").asText()).isEqualTo("chat");
    assertThat(span.path("inputTokens").asLong()).isEqualTo(1200);
    assertThat(span.path("cachedTokens").asLong()).isEqualTo(300);
    // Priced from the seeded pricing.yaml: 900 x 15 + 300 x 1.50 + 120 x 75 per 1M tokens.
    assertThat(span.path("costUsd").decimalValue()).isEqualByComparingTo("0.02295");

    // Savings per agent in the cost API and on /metrics (the seeded agent declares no spec.routing: nothing saved).
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() ->
        warden.get(admin, "/api/v1/costs?group_by=agent").body().path("savings").path(AGENT).path("calls").asLong() == 1);
    JsonNode savings = warden.get(admin, "/api/v1/costs?group_by=agent").body().path("savings").path(AGENT);
    assertThat(savings.path("actual_usd").decimalValue()).isEqualByComparingTo("0.02295");
    assertThat(savings.path("unrouted_usd").decimalValue()).isEqualByComparingTo("0.02295");
    assertThat(savings.path("saved_usd").decimalValue()).isZero();
    // Kept per UTC day and windowed like the costs: today is in the last hour, not in a window that ended 2 days ago.
    assertThat(warden.get(admin, "/api/v1/costs?group_by=agent&from=1h").body().path("savings").has(AGENT)).isTrue();
    assertThat(warden.get(admin, "/api/v1/costs?group_by=agent&to=2d").body().path("savings").has(AGENT)).isFalse();
    assertThat(warden.get(admin, "/metrics").body().asText()).contains("warden_model_routing_saved_usd_total 0.0")
        .contains("warden_model_cache_hits_total 0.0").contains("warden_model_escalations_total 0.0")
        // What the gateway itself added to the call, as a histogram with a bucket at 2 ms.
        .containsPattern("warden_model_gateway_preflight_seconds_bucket\\{le=\"0\\.002\"} \\d")
        .containsPattern("warden_model_gateway_preflight_seconds_count [1-9]");

    HttpResponse<String> models = http.send(HttpRequest.newBuilder(warden.uri("/v1/models"))
        .header("x-api-key", credential).header("anthropic-version", "2023-06-01").GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(models.statusCode()).isEqualTo(200);
    assertThat(models.body()).contains("\"id\":\"claude-opus-4-7\"");

    String author = createUser(admin, "alice", "author", List.of());
    String approver = createUser(admin, "pat", "approver", List.of("platform", "security"));

    // models.yaml is a reviewed file: a bad one cannot merge, a good one re-pins the next call.
    WardenProcess.Response badModels = warden.post(author, "/api/v1/changes", Map.of("title", "Break models",
        "files", Map.of("models.yaml", "naming:\n  anthropic: 3\n")));
    assertThat(badModels.status()).as(badModels.body().toString()).isEqualTo(201);
    String badId = badModels.body().path("id").asText();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
        .until(() -> warden.get(author, "/api/v1/changes/" + badId).body().toString().contains("naming.anthropic"));
    assertThat(warden.post(approver, "/api/v1/changes/" + badId + "/approve", Map.of()).status()).isEqualTo(200);
    assertThat(warden.post(approver, "/api/v1/changes/" + badId + "/merge", Map.of()).status()).isEqualTo(409);
    warden.post(author, "/api/v1/changes/" + badId + "/close", Map.of());
    WardenProcess.Response remap = warden.post(author, "/api/v1/changes", Map.of("title", "EU snapshot",
        "files", Map.of("models.yaml", "version: 1\nmodels:\n  anthropic:\n    claude-opus-4-7:\n"
            + "      \"2026-02-14\": claude-opus-4-7-eu-20260214\n")));
    assertThat(remap.status()).as(remap.body().toString()).isEqualTo(201);
    String remapId = remap.body().path("id").asText();
    assertThat(warden.post(approver, "/api/v1/changes/" + remapId + "/approve", Map.of()).status()).isEqualTo(200);
    WardenProcess.Response remapped = warden.post(approver, "/api/v1/changes/" + remapId + "/merge", Map.of());
    assertThat(remapped.status()).as(remapped.body().toString()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() ->
        messages(credential, request).statusCode() == 200
            && upstream.getLast().path("model").asText().equals("claude-opus-4-7-eu-20260214"));
    int callsBeforeFreeze = upstream.size();

    // A runtime policy merged through a change request denies model calls, decided by the real OPA.
    WardenProcess.Response opened = warden.post(author, "/api/v1/changes", Map.of("title", "Freeze model calls",
        "files", Map.of("policies/model_freeze.rego", """
            package warden.runtime

            deny contains "model calls are frozen for the quarter-end close" if {
            	input.action == "model.call"
            	input.agent == "reconciliation-finance"
            }
            """)));
    assertThat(opened.status()).as(opened.body().toString()).isEqualTo(201);
    String id = opened.body().path("id").asText();
    assertThat(warden.post(approver, "/api/v1/changes/" + id + "/approve", Map.of()).status()).isEqualTo(200);
    WardenProcess.Response merged = warden.post(approver, "/api/v1/changes/" + id + "/merge", Map.of());
    assertThat(merged.status()).as(merged.body().toString()).isEqualTo(200);

    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
        .until(() -> messages(credential, request).statusCode() == 403);
    HttpResponse<String> denied = messages(credential, request);
    JsonNode error = WardenProcess.JSON.readTree(denied.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("permission_error");
    assertThat(error.path("message").asText()).contains("model calls are frozen for the quarter-end close");
    assertThat(upstream).hasSize(callsBeforeFreeze);
  }
}
