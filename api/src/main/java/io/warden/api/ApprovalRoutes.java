package io.warden.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.ext.web.Router;
import io.warden.core.WardenException;
import io.warden.core.approval.Approval;
import io.warden.core.approval.ApprovalService;
import io.warden.core.identity.Principal;
import io.warden.core.identity.Role;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Held actions waiting for a human:
 *
 * <ul>
 *   <li>{@code GET /api/v1/approvals?status=&agent=} (viewer role): oldest first; {@code status} is
 *       pending, approved, denied or expired;
 *   <li>{@code GET /api/v1/approvals/{id}} (viewer role);
 *   <li>{@code POST /api/v1/approvals/{id}/approve} and {@code .../deny} with {@code {reason}}: a user
 *       with the approver role (and the approval's team, when it names one); agents never. Deciding
 *       twice the same way answers the approval as it stands (no second execution); the other way,
 *       409 {@code conflict}.
 * </ul>
 */
public final class ApprovalRoutes implements ApiRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ApprovalService approvals;

  public ApprovalRoutes(ApprovalService approvals) {
    this.approvals = approvals;
  }

  @Override
  public void mount(Router router, Http http) {
    router.get("/api/v1/approvals").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      var p = ctx.request().params();
      Approval.Status status = status(p.get("status"));
      String agent = QueryParams.blankToNull(p.get("agent"));
      http.respond(ctx, 200, () -> Map.of("approvals",
          approvals.list(status, agent).stream().map(ApprovalRoutes::json).toList()));
    });
    router.get("/api/v1/approvals/:id").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      String id = ctx.pathParam("id");
      http.respond(ctx, 200, () -> json(approvals.get(id)
          .orElseThrow(() -> WardenException.notFound("no approval '" + id + "'"))));
    });
    router.post("/api/v1/approvals/:id/approve").handler(ctx -> {
      Principal actor = http.principal(ctx);
      String reason = Http.body(ctx, "{reason}").string("reason", "");
      String id = ctx.pathParam("id");
      http.respond(ctx, 200, () -> json(approvals.approve(actor, id, reason)));
    });
    router.post("/api/v1/approvals/:id/deny").handler(ctx -> {
      Principal actor = http.principal(ctx);
      String reason = Http.body(ctx, "{reason}").string("reason", "");
      String id = ctx.pathParam("id");
      http.respond(ctx, 200, () -> json(approvals.deny(actor, id, reason)));
    });
  }

  private static Approval.Status status(String value) {
    String v = QueryParams.blankToNull(value);
    if (v == null) {
      return null;
    }
    try {
      return Approval.Status.parse(v);
    } catch (IllegalArgumentException e) {
      throw WardenException.invalid("status: " + e.getMessage());
    }
  }

  static Map<String, Object> json(Approval a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", a.id());
    m.put("status", a.status().wireName());
    m.put("agent", a.agent());
    m.put("tool", a.tool());
    m.put("arguments", parse(a.argumentsJson()));
    m.put("action_value_usd", a.actionValueUsd());
    m.put("logical_trace_id", a.logicalTraceId());
    m.put("intent", a.intent());
    m.put("reasons", a.reasons());
    m.put("required_team", a.requiredTeam());
    m.put("created_at", a.createdAt().toString());
    m.put("expires_at", a.expiresAt().toString());
    m.put("decided_by", a.decidedBy());
    m.put("reason", a.reason());
    m.put("decided_at", a.decidedAt() == null ? null : a.decidedAt().toString());
    m.put("execution", a.execution().wireName());
    m.put("result", a.resultJson().isEmpty() ? null : parse(a.resultJson()));
    m.put("error", a.error());
    m.put("correlation_key", a.correlationKey());
    return m;
  }

  private static Object parse(String json) {
    try {
      return JSON.readValue(json, Object.class);
    } catch (IOException e) {
      return json;
    }
  }
}
