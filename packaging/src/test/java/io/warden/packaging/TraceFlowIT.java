package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.testing.TestPorts;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The trace store wired into the appliance: an agent sends GenAI spans with the real OpenTelemetry
 * SDK's OTLP/HTTP exporter and its own Warden credential; an incident responder finds them by full
 * text, sees the trace and its cost; after a kill -9 right after the ack they are still there.
 */
@Timeout(300)
class TraceFlowIT extends ApplianceTestBase {
  @Test
  void agentSpans_areSearchablePricedAndSurviveKill9() throws Exception {
    int otlpPort = TestPorts.free();
    warden = WardenProcess.start(tmp.resolve("data"), Map.of("WARDEN_OTLP_HTTP_PORT", Integer.toString(otlpPort)));
    String admin = warden.adminToken();
    WardenProcess.Response issued = warden.post(admin, "/api/v1/agents/reconciliation-finance/credentials", Map.of());
    String credential = issued.body().path("credential").asText();

    String traceId = ReconciliationTrace.send(otlpPort, credential, "warden-it");

    // Searchable within about a second of the ack.
    String q = "/api/v1/traces/search?q=" + URLEncoder.encode("quokka", StandardCharsets.UTF_8)
        + "&agent=reconciliation-finance";
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> warden.get(admin, q).body().path("hits").size() == 1);
    JsonNode hit = warden.get(admin, q).body().path("hits").get(0);
    assertThat(hit.path("span").path("traceId").asText()).isEqualTo(traceId);
    assertThat(hit.path("span").path("costUsd").decimalValue()).isPositive();

    // The root ended after its child, so it came in a later export: wait for both.
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> warden.get(admin, "/api/v1/traces/" + traceId).body().path("spans").size() == 2);
    JsonNode logical = warden.get(admin, "/api/v1/logical-traces/" + traceId).body();
    assertThat(logical.toString()).contains("reconcile supplier invoice INV-4711");
    JsonNode costs = warden.get(admin, "/api/v1/costs?group_by=agent").body();
    assertThat(costs.path("rows").toString()).contains("reconciliation-finance");

    // kill -9 and restart: the acknowledged spans are still found.
    warden.kill();
    warden.launch();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .until(() -> warden.get(admin, "/api/v1/traces/" + traceId).body().path("spans").size() == 2);
    assertThat(warden.get(null, "/healthz").body().path("traces").path("status").asText()).isEqualTo("up");
  }
}
