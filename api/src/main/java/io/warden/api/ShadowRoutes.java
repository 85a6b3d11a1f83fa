package io.warden.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.ext.web.Router;
import io.warden.core.WardenException;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.inventory.Inventory;
import io.warden.core.shadow.ModelShadowLedger;
import io.warden.core.shadow.ModelShadowReport;
import io.warden.core.shadow.ModelShadowRun;
import io.warden.core.shadow.ShadowAction;
import io.warden.core.shadow.ShadowLedger;
import io.warden.core.shadow.ShadowReport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Shadow mode beside a human ({@code spec.autonomy: shadow}):
 *
 * <ul>
 *   <li>{@code POST /api/v1/shadow/{agent}/human-actions} {@code {tool, arguments, correlation_key}}
 *       (author role or above): what a human did for a case, paired with the agent's captured call
 *       that carried the same {@code correlation_key} in its MCP {@code _meta}; 201 with the
 *       recorded action;
 *   <li>{@code GET /api/v1/agents/{name}/shadow} (viewer role): agreement rate, pairs, every
 *       disagreement with what differed; with the model gateway's shadow runs ({@code spec.shadow}),
 *       {@code models}: per candidate the samples, agreement rate, its 95% confidence interval,
 *       latency and cost deltas and the latest disagreements;
 *   <li>{@code GET /api/v1/shadow-runs?agent=&limit=} (viewer role): the model gateway's compared
 *       pairs, newest first (default 100, at most 1000).
 * </ul>
 */
public final class ShadowRoutes implements ApiRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ShadowLedger shadow;
  private final Inventory inventory;
  private final @Nullable ModelShadowLedger models;

  public ShadowRoutes(ShadowLedger shadow, Inventory inventory) {
    this(shadow, null, inventory);
  }

  /** With the model gateway's shadow pairs ({@code models} in the report, {@code /api/v1/shadow-runs}). */
  public ShadowRoutes(ShadowLedger shadow, @Nullable ModelShadowLedger models, Inventory inventory) {
    this.shadow = shadow;
    this.models = models;
    this.inventory = inventory;
  }

  @Override
  public void mount(Router router, Http http) {
    router.post("/api/v1/shadow/:agent/human-actions").handler(ctx -> {
      UserPrincipal user = http.user(ctx, Role.AUTHOR);
      String agent = known(ctx.pathParam("agent"));
      JsonBody body = Http.body(ctx, "{tool, arguments, correlation_key}");
      String tool = body.string("tool");
      String arguments = body.objectField("arguments").encode();
      String key = body.string("correlation_key");
      http.respond(ctx, 201, () -> {
        ShadowAction a = shadow.recordHuman(agent, tool, arguments, key);
        Map<String, Object> m = json(a);
        m.put("recorded_by", user.subject());
        return m;
      });
    });
    router.get("/api/v1/agents/:name/shadow").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      String agent = known(ctx.pathParam("name"));
      http.respond(ctx, 200, () -> {
        Map<String, Object> m = json(shadow.report(agent));
        if (models != null) {
          m.put("models", models.reports(agent).stream().map(ShadowRoutes::json).toList());
        }
        return m;
      });
    });
    router.get("/api/v1/shadow-runs").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      String agent = QueryParams.blankToNull(QueryParams.param(ctx, "agent"));
      int limit = QueryParams.limit(QueryParams.param(ctx, "limit"), 100, 1000);
      if (agent != null) {
        known(agent);
      }
      http.respond(ctx, 200, () -> {
        List<ModelShadowRun> runs = models == null ? List.of() : models.runs(agent);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runs", runs.reversed().stream().limit(limit).map(ShadowRoutes::json).toList());
        m.put("total", runs.size());
        return m;
      });
    });
  }

  private String known(String agent) {
    if (inventory.get(agent).isEmpty()) {
      throw WardenException.notFound("no agent '" + agent + "' on main");
    }
    return agent;
  }

  private static Map<String, Object> json(ShadowReport r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("agent", r.agent());
    m.put("captured", r.captured());
    m.put("human_actions", r.humanActions());
    m.put("pairs", r.pairs());
    m.put("agreements", r.agreements());
    m.put("agreement_rate", r.agreementRate());
    m.put("disagreements", r.disagreements().stream().map(d -> {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("correlation_key", d.correlationKey());
      x.put("agent_action", json(d.agent()));
      x.put("human_action", json(d.human()));
      x.put("differences", d.differences());
      return x;
    }).toList());
    return m;
  }

  private static Map<String, Object> json(ModelShadowReport r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("candidate", r.candidate());
    m.put("samples", r.samples());
    m.put("agreements", r.agreements());
    m.put("agreement_rate", r.agreementRate());
    m.put("agreement_interval_95", List.of(r.agreementLow(), r.agreementHigh()));
    m.put("mean_latency_delta_ms", r.meanLatencyDeltaMs());
    m.put("cost_delta_usd", r.costDeltaUsd().toPlainString());
    m.put("disagreements", r.examples().stream().map(ShadowRoutes::json).toList());
    return m;
  }

  private static Map<String, Object> json(ModelShadowRun r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id());
    m.put("agent", r.agent());
    m.put("primary", r.primary());
    m.put("candidate", r.candidate());
    m.put("at", r.at().toString());
    m.put("agreed", r.agreed());
    m.put("differences", r.differences());
    m.put("primary_latency_ms", r.primaryLatencyMs());
    m.put("candidate_latency_ms", r.candidateLatencyMs());
    m.put("primary_usd", r.primaryUsd().toPlainString());
    m.put("candidate_usd", r.candidateUsd().toPlainString());
    m.put("trace_id", r.traceId());
    return m;
  }

  private static Map<String, Object> json(ShadowAction a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", a.id());
    m.put("source", a.source().wireName());
    m.put("tool", a.tool());
    try {
      m.put("arguments", JSON.readTree(a.argumentsJson()));
    } catch (JsonProcessingException e) {
      m.put("arguments", a.argumentsJson());
    }
    m.put("correlation_key", a.correlationKey());
    m.put("at", a.at().toString());
    return m;
  }
}
