package io.warden.api;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.ext.web.Router;
import io.warden.core.identity.Role;

/** Prometheus {@code /metrics} (text exposition format); needs a viewer token like every API. */
public final class MetricsRoutes implements ApiRoutes {
  private final PrometheusMeterRegistry registry;

  public MetricsRoutes(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void mount(Router router, Http http) {
    router.get("/metrics").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(registry.scrape());
    });
  }
}
