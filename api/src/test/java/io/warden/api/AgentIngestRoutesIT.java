package io.warden.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.warden.core.identity.Role;
import io.warden.tracestore.IngestRejections.Reason;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /api/v1/agents/{name}/ingest} and the rejected-spans counter in {@code /metrics}. */
@Timeout(120)
class AgentIngestRoutesIT {
  @TempDir Path dir;

  @Test
  void ingest_showsCountsPerReasonAndTheLastRejections_toAViewer() throws Exception {
    try (ApiFixture api = new ApiFixture(dir, Map.of())) {
      PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      IngestRejectionMetrics.register(metrics, api.rejections);
      String viewer = api.identity.createUser(api.admin, "vic", Role.VIEWER, Set.of()).secret();
      String path = "/api/v1/agents/" + ApiFixture.AGENT + "/ingest";

      ApiFixture.Response none = api.get(viewer, path);
      assertThat(none.status()).isEqualTo(200);
      assertThat(none.body().path("rejected_spans").asLong()).isZero();
      assertThat(none.body().path("recent_rejections")).isEmpty();

      api.rejections.record(ApiFixture.AGENT, Reason.OTHER_AGENT_CLAIMED, "claims agent 'x'", "00f067aa0ba902b7",
          "4bf92f3577b34da6a3ce929d0e0e4736");
      api.rejections.record(ApiFixture.AGENT, Reason.OTHER_AGENT_CLAIMED, "claims agent 'x'", "00f067aa0ba902b8",
          "4bf92f3577b34da6a3ce929d0e0e4736");
      ApiFixture.Response r = api.get(viewer, path);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body().path("rejected_spans").asLong()).isEqualTo(2);
      assertThat(r.body().path("rejected_by_reason").path("other_agent_claimed").asLong()).isEqualTo(2);
      assertThat(r.body().path("rejected_by_reason").path("invalid_span").asLong()).isZero();
      assertThat(r.body().path("recent_rejections")).hasSize(2);
      assertThat(r.body().path("recent_rejections").get(0).path("span_id").asText()).startsWith("00f067aa0ba902b");
      assertThat(r.body().path("recent_rejections").get(0).path("reason").asText()).isEqualTo("other_agent_claimed");

      assertThat(metrics.scrape()).contains("warden_ingest_rejected_spans_total{agent=\"" + ApiFixture.AGENT
          + "\",reason=\"other_agent_claimed\"} 2.0");

      assertThat(api.get(viewer, "/api/v1/agents/nope/ingest").status()).isEqualTo(404);
      assertThat(api.get(null, path).status()).isEqualTo(401);
    }
  }
}
