package io.warden.tracestore.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.trace.Span;
import io.warden.core.trace.SpanQuery;
import io.warden.tracestore.Identities;
import io.warden.tracestore.OtelSdk;
import io.warden.tracestore.TraceStore;
import io.warden.core.health.Health;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ClickHouse (the real engine behind the chDB HTTP endpoint) is down while spans arrive: ingest still
 * acknowledges, Lucene serves them, health is DEGRADED and the spans wait in the write-ahead log;
 * when ClickHouse comes up the backlog is replayed into it and health returns to OK.
 */
@Timeout(180)
class ClickHouseOutageIT {
  @TempDir
  Path dir;

  @Test
  void clickHouseDown_spansWaitInTheLog_andAreReplayedWhenItReturns() throws Exception {
    try (ChdbHttpServer clickhouse = ChdbHttpServer.create(dir.resolve("clickhouse"));
        Identities ids = new Identities(dir.resolve("identity"));
        TraceStore store = ids.storeBuilder(dir.resolve("data"))
            .setExtraStore(ClickHouseSpanStore.builder(clickhouse.jdbcUrl("warden"))
                .setSocketTimeout(Duration.ofSeconds(20)).build())
            .build()) {
      store.start().await();
      String traceId;
      try (OtelSdk sdk = new OtelSdk(OtelSdk.Protocol.HTTP, "127.0.0.1", store.httpPort(),
          ids.secret(Identities.PLANNER), "planner")) {
        Span s = sdk.tracer().spanBuilder("during outage").setAttribute("gen_ai.operation.name", "chat")
            .setAttribute("gen_ai.request.model", "gpt-4o").setAttribute("gen_ai.usage.input_tokens", 1000L)
            .setAttribute("warden.text", "written while clickhouse was down").startSpan();
        s.end();
        traceId = s.getSpanContext().getTraceId();
        assertThat(sdk.flush()).isTrue();
      }
      SpanQuery byTrace = new SpanQuery(null, null, null, null, null, null, null, traceId, null, null, 10);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(store.search(byTrace).hits()).hasSize(1);
        Health h = store.health();
        assertThat(h.state()).isEqualTo(Health.State.DEGRADED);
        assertThat(h.message()).contains("clickhouse-v1");
      });
      assertThat((long) store.health().details().get("wal_bytes")).isPositive();

      clickhouse.start();
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
          assertThat(store.health().state()).isEqualTo(Health.State.UP));
      try (ClickHouseSpanStore reader = ClickHouseSpanStore.create(clickhouse.jdbcUrl("warden"))) {
        assertThat(reader.query(byTrace).spans()).singleElement().satisfies(s -> {
          assertThat(s.agent()).isEqualTo(Identities.PLANNER);
          assertThat(s.costUsd()).isEqualByComparingTo("0.0025");
        });
      }
      assertThat(store.costs("agent", null, null)).singleElement()
          .satisfies(r -> assertThat(r.totalUsd()).isEqualByComparingTo("0.0025"));
    }
  }
}
