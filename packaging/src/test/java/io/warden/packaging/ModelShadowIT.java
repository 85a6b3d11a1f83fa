package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.warden.core.descriptor.Examples;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Shadow runs as merge evidence, in the packaged appliance with the real OPA sidecar: a merged
 * {@code spec.shadow} makes the model gateway mirror the agent's calls to the candidate revision; a
 * change moving {@code pinned_revision} to the candidate fails the {@code opa-admission} check
 * (seeded {@code model_pinning.rego}) until 100 compared samples agree, then merges.
 */
@Timeout(300)
class ModelShadowIT extends ApplianceTestBase {
  private static final String AGENT = "reconciliation-finance";
  private static final String PATH = "agents/reconciliation-finance.yaml";
  private static final String CANDIDATE = "claude-opus-4-7-20260501";
  private final Vertx vertx = Vertx.vertx();
  private final List<String> upstreamModels = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stopStandIn() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A Messages stand-in answering every model alike (the candidate agrees). */
  private int startStandIn() throws Exception {
    return JsonStandIn.start(vertx, (req, body) -> {
      String model = body.path("model").asText();
      upstreamModels.add(model);
      return "{\"id\":\"msg_it\",\"type\":\"message\","
          + "\"role\":\"assistant\",\"model\":\"" + model + "\",\"content\":[{\"type\":\"text\",\"text\":"
          + "\"Ledger line 7 matches.\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
          + "\"usage\":{\"input_tokens\":100,\"output_tokens\":10}}";
    });
  }

  private int call(String credential, int i) throws Exception {
    return http.send(HttpRequest.newBuilder(warden.uri("/v1/messages")).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json").header("anthropic-version", "2023-06-01")
        .header("x-api-key", credential)
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"claude-opus-4-7\",\"max_tokens\":64,\"messages\":"
            + "[{\"role\":\"user\",\"content\":\"Does invoice " + i + " match?\"}]}")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private String open(String author, String title, String descriptor) throws Exception {
    WardenProcess.Response r = warden.post(author, "/api/v1/changes", Map.of("title", title,
        "files", Map.of(PATH, descriptor)));
    assertThat(r.status()).as(r.body().toString()).isEqualTo(201);
    return r.body().path("id").asText();
  }

  private JsonNode admission(String token, String id) throws Exception {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() ->
        !admissionCheck(token, id).path("status").asText("PENDING").equals("PENDING"));
    return admissionCheck(token, id);
  }

  private JsonNode admissionCheck(String token, String id) throws Exception {
    for (JsonNode c : warden.get(token, "/api/v1/changes/" + id).body().path("change").path("checks")) {
      if (c.path("check").asText().equals("opa-admission")) {
        return c;
      }
    }
    return WardenProcess.JSON.createObjectNode();
  }

  @Test
  void aRevisionChange_mergesOnlyWithEnoughAgreeingShadowSamples() throws Exception {
    int standIn = startStandIn();
    warden = WardenProcess.start(tmp.resolve("data"), Map.of(
        "WARDEN_GATEWAY_PROVIDERS_ANTHROPIC_BASE_URL", "http://127.0.0.1:" + standIn,
        "WARDEN_GATEWAY_PROVIDERS_ANTHROPIC_API_KEY_ENV", "STANDIN_ANTHROPIC_KEY",
        "STANDIN_ANTHROPIC_KEY", "sk-ant-it"));
    String admin = warden.adminToken();
    String author = createUser(admin, "alice", "author", List.of());
    String approver = createUser(admin, "pat", "approver", List.of("platform"));
    String credential = warden.post(admin, "/api/v1/agents/" + AGENT + "/credentials", Map.of())
        .body().path("credential").asText();
    String seeded = Examples.reconciliationFinanceYaml();

    String shadowed = seeded + """
          shadow:
            candidate: {provider: anthropic, name: claude-opus-4-7, pinned_revision: "2026-05-01"}
            sample_rate: 1
            min_samples: 100
        """;
    String plan = open(author, "Shadow the May revision", shadowed);
    assertThat(admission(author, plan).path("status").asText()).isEqualTo("PASSED");
    assertThat(warden.post(approver, "/api/v1/changes/" + plan + "/approve", Map.of()).status()).isEqualTo(200);
    WardenProcess.Response merged = warden.post(approver, "/api/v1/changes/" + plan + "/merge", Map.of());
    assertThat(merged.status()).as(merged.body().toString()).isEqualTo(200);
    // Once main is applied, every call is mirrored to the candidate snapshot.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() ->
        call(credential, 0) == 200 && upstreamModels.contains(CANDIDATE));

    String moved = shadowed.replace("pinned_revision: \"2026-02-14\"", "pinned_revision: \"2026-05-01\"");
    assertThat(moved).isNotEqualTo(shadowed);
    String early = open(author, "Move to the May revision", moved);
    JsonNode refused = admission(author, early);
    assertThat(refused.path("status").asText()).isEqualTo("FAILED");
    assertThat(refused.toString()).contains("spec.model.pinned_revision")
        .contains("needs at least 100 compared shadow samples");
    warden.post(author, "/api/v1/changes/" + early + "/close", Map.of());

    for (int i = 1; i <= 100; i++) {
      assertThat(call(credential, i)).isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() ->
        warden.get(admin, "/api/v1/agents/" + AGENT + "/shadow").body().path("models").path(0).path("samples")
            .asInt() >= 100);
    JsonNode report = warden.get(admin, "/api/v1/agents/" + AGENT + "/shadow").body().path("models").path(0);
    assertThat(report.path("candidate").asText()).isEqualTo("anthropic/claude-opus-4-7@2026-05-01");
    assertThat(report.path("agreement_rate").asDouble()).isEqualTo(1.0);
    assertThat(warden.get(admin, "/api/v1/shadow-runs?agent=" + AGENT + "&limit=5").body().path("runs")).hasSize(5);
    assertThat(warden.get(admin, "/metrics").body().asText()).containsPattern("warden_model_shadow_runs_total 1\\d\\d");

    String ready = open(author, "Move to the May revision, with evidence", moved);
    assertThat(admission(author, ready).path("status").asText()).isEqualTo("PASSED");
    assertThat(warden.post(approver, "/api/v1/changes/" + ready + "/approve", Map.of()).status()).isEqualTo(200);
    WardenProcess.Response done = warden.post(approver, "/api/v1/changes/" + ready + "/merge", Map.of());
    assertThat(done.status()).as(done.body().toString()).isEqualTo(200);
  }
}
