package io.warden.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Context;
import io.warden.core.health.Health;
import io.warden.core.health.HealthIndicator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code /healthz}: 503 while a component is DOWN, naming it; health is only read, never computed, there. */
@Timeout(120)
class HealthRoutesIT {
  @TempDir Path dir;

  @Test
  void componentDown_is503_namingTheComponentAndWhy() throws Exception {
    AtomicReference<Health> policy = new AtomicReference<>(Health.up());
    Map<String, HealthIndicator> components = new LinkedHashMap<>();
    components.put("policy", policy::get);
    components.put("traces", () -> Health.up().withDetails(Map.of("wal_bytes", 0)));
    try (ApiFixture api = new ApiFixture(dir, components)) {
      ApiFixture.Response up = api.get(null, "/healthz");
      assertThat(up.status()).isEqualTo(200);
      assertThat(up.body().path("status").asText()).isEqualTo("up");
      assertThat(up.body().path("agents").asInt()).isEqualTo(1);
      assertThat(up.body().path("traces").path("details").path("wal_bytes").asInt()).isZero();

      policy.set(Health.degraded("pushing main's policies"));
      ApiFixture.Response degraded = api.get(null, "/healthz");
      assertThat(degraded.status()).isEqualTo(200);
      assertThat(degraded.body().path("status").asText()).isEqualTo("degraded");

      policy.set(Health.down("opa does not answer at http://127.0.0.1:8181; decisions fail closed"));
      ApiFixture.Response down = api.get(null, "/healthz");
      assertThat(down.status()).isEqualTo(503);
      assertThat(down.body().path("status").asText()).isEqualTo("down");
      assertThat(down.body().path("message").asText())
          .isEqualTo("policy down: opa does not answer at http://127.0.0.1:8181; decisions fail closed");
      assertThat(down.body().path("policy").path("status").asText()).isEqualTo("down");
      assertThat(down.body().path("traces").path("status").asText()).isEqualTo("up");
    }
  }

  @Test
  void brokenIndicator_isReportedDown_notA500() throws Exception {
    Map<String, HealthIndicator> components = Map.of("traces", () -> {
      throw new IllegalStateException("boom");
    });
    try (ApiFixture api = new ApiFixture(dir, components)) {
      ApiFixture.Response r = api.get(null, "/healthz");
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.body().path("message").asText()).contains("traces down").contains("boom");
    }
  }

  @Test
  void healthAndMetrics_neverComputeHealthOnTheEventLoop_evenWhileACheckHangs() throws Exception {
    List<Boolean> onEventLoop = new CopyOnWriteArrayList<>();
    CountDownLatch hang = new CountDownLatch(1);
    CountDownLatch checking = new CountDownLatch(2);
    try (PolledHealth slow = PolledHealth.start("traces", () -> {
      onEventLoop.add(Context.isOnEventLoopThread());
      checking.countDown();
      if (checking.getCount() == 0) {
        try {
          hang.await(); // a ClickHouse ping that does not come back
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return Health.down("clickhouse unreachable");
    }, Duration.ofMillis(20))) {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      Gauge.builder("warden_trace_store_up", slow, h -> h.health().isUp() ? 1 : 0).register(registry);
      try (ApiFixture api = new ApiFixture(dir, Map.of("traces", slow), List.of(new MetricsRoutes(registry)))) {
        checking.await();
        for (int i = 0; i < 20; i++) {
          ApiFixture.Response r = api.get(null, "/healthz");
          assertThat(r.status()).isEqualTo(503);
          assertThat(r.body().path("traces").path("message").asText()).isEqualTo("clickhouse unreachable");
          assertThat(api.get(api.adminToken, "/metrics").text()).contains("warden_trace_store_up 0.0");
        }
      } finally {
        hang.countDown();
      }
    }
    assertThat(onEventLoop).hasSizeGreaterThanOrEqualTo(2).containsOnly(false);
  }
}
