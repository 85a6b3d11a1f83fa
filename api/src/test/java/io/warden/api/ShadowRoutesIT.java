package io.warden.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.identity.Role;
import io.warden.core.inventory.Inventory;
import io.warden.core.shadow.ModelShadowLedger;
import io.warden.core.shadow.ShadowLedger;
import io.warden.core.store.StateStore;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Human actions and the shadow agreement report over HTTP, on the real API server and shadow ledger. */
class ShadowRoutesIT {
  @TempDir Path dir;
  private StateStore shadowState;
  private ShadowLedger shadow;
  private ModelShadowLedger models;
  private ApiFixture api;
  private String authorToken;
  private String viewerToken;
  private String agentCredential;

  @BeforeEach
  void start() throws Exception {
    shadowState = StateStore.open(dir.resolve("shadow.mv"));
    shadow = ShadowLedger.create(shadowState, Clock.systemUTC());
    models = ModelShadowLedger.create(shadowState, Clock.systemUTC());
    Inventory inventory = Inventory.create();
    inventory.replace("c0ffee", List.of(ApiFixture.agent(ApiFixture.AGENT)));
    api = new ApiFixture(dir.resolve("api"), Map.of(), List.of(new ShadowRoutes(shadow, models, inventory)));
    authorToken = api.identity.createUser(api.admin, "ann", Role.AUTHOR, Set.of()).secret();
    viewerToken = api.identity.createUser(api.admin, "vic", Role.VIEWER, Set.of()).secret();
    agentCredential = api.identity.issueCredential(api.admin, ApiFixture.AGENT).secret();
  }

  @AfterEach
  void stop() throws Exception {
    api.close();
    shadowState.close();
  }

  private static String human(String tool, String amount, String key) {
    return "{\"tool\":\"" + tool + "\",\"arguments\":{\"supplier\":\"acme\",\"amount_usd\":" + amount
        + "},\"correlation_key\":\"" + key + "\"}";
  }

  @Test
  void humanActions_pairWithCaptures_reportShowsRateAndEveryDisagreement() throws Exception {
    // What the gateway captured from the agent in shadow mode (McpShadowModeTest drives that part).
    shadow.capture(ApiFixture.AGENT, "pay-invoice", "{\"supplier\":\"acme\",\"amount_usd\":5000}", "INV-1");
    shadow.capture(ApiFixture.AGENT, "pay-invoice", "{\"supplier\":\"acme\",\"amount_usd\":700}", "INV-2");

    var first = api.post(authorToken, "/api/v1/shadow/" + ApiFixture.AGENT + "/human-actions",
        human("mcp://gateway/pay-invoice", "5000.001", "INV-1"));
    assertThat(first.status()).isEqualTo(201);
    assertThat(first.body().path("source").asText()).isEqualTo("human");
    assertThat(first.body().path("tool").asText()).isEqualTo("pay-invoice");
    assertThat(first.body().path("recorded_by").asText()).isEqualTo("user:ann");
    assertThat(api.post(authorToken, "/api/v1/shadow/" + ApiFixture.AGENT + "/human-actions",
        human("pay-invoice", "650", "INV-2")).status()).isEqualTo(201);

    var report = api.get(viewerToken, "/api/v1/agents/" + ApiFixture.AGENT + "/shadow");
    assertThat(report.status()).isEqualTo(200);
    assertThat(report.body().path("captured").asInt()).isEqualTo(2);
    assertThat(report.body().path("pairs").asInt()).isEqualTo(2);
    assertThat(report.body().path("agreements").asInt()).isEqualTo(1);
    assertThat(report.body().path("agreement_rate").asDouble()).isEqualTo(0.5);
    var disagreement = report.body().path("disagreements").get(0);
    assertThat(disagreement.path("correlation_key").asText()).isEqualTo("INV-2");
    assertThat(disagreement.path("agent_action").path("arguments").path("amount_usd").asInt()).isEqualTo(700);
    assertThat(disagreement.path("human_action").path("arguments").path("amount_usd").asInt()).isEqualTo(650);
    assertThat(disagreement.path("differences").get(0).asText()).isEqualTo("/amount_usd: agent 700, human 650");
  }

  @Test
  void humanActions_byViewerOrAgent_forbidden_badInputAndUnknownAgentRefused() throws Exception {
    String path = "/api/v1/shadow/" + ApiFixture.AGENT + "/human-actions";
    assertThat(api.post(viewerToken, path, human("pay-invoice", "1", "INV-1")).status()).isEqualTo(403);
    assertThat(api.post(agentCredential, path, human("pay-invoice", "1", "INV-1")).status()).isEqualTo(403);
    var noKey = api.post(authorToken, path, "{\"tool\":\"pay-invoice\",\"arguments\":{}}");
    assertThat(noKey.status()).isEqualTo(400);
    assertThat(noKey.body().path("message").asText()).contains("correlation_key");
    var badArgs = api.post(authorToken, path, "{\"tool\":\"pay-invoice\",\"arguments\":[1],\"correlation_key\":\"k\"}");
    assertThat(badArgs.status()).isEqualTo(400);
    assertThat(badArgs.body().path("message").asText()).contains("arguments");
    assertThat(api.post(authorToken, "/api/v1/shadow/nobody/human-actions", human("pay-invoice", "1", "k")).status())
        .isEqualTo(404);
    assertThat(api.get(viewerToken, "/api/v1/agents/nobody/shadow").status()).isEqualTo(404);
    assertThat(shadow.actions(ApiFixture.AGENT)).isEmpty();
  }

  @Test
  void modelShadowRuns_perCandidateInTheReport_andListedNewestFirst() throws Exception {
    // What the model gateway recorded for spec.shadow (ShadowGatewayTest drives that part).
    String primary = "openai/gpt-4o@2024-08-06";
    String candidate = "openai/gpt-4o@2024-11-20";
    models.record(ApiFixture.AGENT, primary, candidate, true, List.of(), 100, 120, new BigDecimal("0.002"),
        new BigDecimal("0.001"), "t1");
    models.record(ApiFixture.AGENT, primary, candidate, false, List.of("text: primary \"a\", candidate \"b\""), 100,
        80, new BigDecimal("0.002"), new BigDecimal("0.001"), "t2");

    var report = api.get(viewerToken, "/api/v1/agents/" + ApiFixture.AGENT + "/shadow");
    assertThat(report.status()).isEqualTo(200);
    var model = report.body().path("models").get(0);
    assertThat(model.path("candidate").asText()).isEqualTo(candidate);
    assertThat(model.path("samples").asInt()).isEqualTo(2);
    assertThat(model.path("agreement_rate").asDouble()).isEqualTo(0.5);
    assertThat(model.path("agreement_interval_95").get(0).asDouble()).isBetween(0.0, 0.5);
    assertThat(model.path("cost_delta_usd").asText()).isEqualTo("-0.002");
    assertThat(model.path("disagreements").get(0).path("trace_id").asText()).isEqualTo("t2");

    var runs = api.get(viewerToken, "/api/v1/shadow-runs?agent=" + ApiFixture.AGENT + "&limit=1");
    assertThat(runs.status()).isEqualTo(200);
    assertThat(runs.body().path("total").asInt()).isEqualTo(2);
    assertThat(runs.body().path("runs")).hasSize(1);
    assertThat(runs.body().path("runs").get(0).path("differences").get(0).asText()).startsWith("text:");
    assertThat(api.get(viewerToken, "/api/v1/shadow-runs?agent=nobody").status()).isEqualTo(404);
    assertThat(api.get(agentCredential, "/api/v1/shadow-runs").status()).isEqualTo(403);
  }
}
