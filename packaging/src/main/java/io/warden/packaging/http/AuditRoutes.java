package io.warden.packaging.http;

import io.vertx.ext.web.Router;
import io.warden.core.WardenException;
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
      long after = longParam(ctx.request().getParam("after"), 0, "after");
      int limit = (int) longParam(ctx.request().getParam("limit"), 100, "limit");
      if (limit < 1 || limit > 1000) {
        throw WardenException.invalid("limit must be 1..1000, got " + limit);
      }
      String action = ctx.request().getParam("action", "");
      http.respond(ctx, 200, () -> Map.of("events", audit.list(after, limit, action)));
    });
    router.get("/api/v1/schemas/agent.json").handler(ctx ->
        ctx.response().putHeader("Content-Type", "application/schema+json").end(DescriptorParser.schema()));
  }

  static long longParam(String value, long dflt, String name) {
    if (value == null || value.isBlank()) {
      return dflt;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw WardenException.invalid(name + " must be a whole number, got '" + value + "'");
    }
  }
}
