package io.warden.api;

import io.vertx.ext.web.Router;
import io.warden.core.audit.AuditLog;
import io.warden.core.descriptor.DescriptorParser;
import io.warden.core.identity.Role;
import java.util.Map;

/** {@code GET /api/v1/audit} and the published descriptor schema. */
public final class AuditRoutes implements ApiRoutes {
  private final AuditLog audit;

  public AuditRoutes(AuditLog audit) {
    this.audit = audit;
  }

  @Override
  public void mount(Router router, Http http) {
    router.get("/api/v1/audit").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      long after = QueryParams.nonNegative(ctx.request().getParam("after"), 0, "after");
      int limit = QueryParams.limit(ctx.request().getParam("limit"), 100, 1000);
      String action = ctx.request().getParam("action", "");
      http.respond(ctx, 200, () -> Map.of("events", audit.list(after, limit, action)));
    });
    router.get("/api/v1/schemas/agent.json").handler(ctx ->
        ctx.response().putHeader("Content-Type", "application/schema+json").end(DescriptorParser.schema()));
  }

}
