package io.warden.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.ext.web.Router;
import io.warden.core.WardenException;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.inventory.Inventory;
import io.warden.core.shadow.ShadowAction;
import io.warden.core.shadow.ShadowLedger;
import io.warden.core.shadow.ShadowReport;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shadow mode beside a human ({@code spec.autonomy: shadow}):
 *
 * <ul>
 *   <li>{@code POST /api/v1/shadow/{agent}/human-actions} {@code {tool, arguments, correlation_key}}
 *       (author role or above): what a human did for a case, paired with the agent's captured call
 *       that carried the same {@code correlation_key} in its MCP {@code _meta}; 201 with the
 *       recorded action;
 *   <li>{@code GET /api/v1/agents/{name}/shadow} (viewer role): agreement rate, pairs, every
 *       disagreement with what differed.
 * </ul>
 */
public final class ShadowRoutes implements ApiRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ShadowLedger shadow;
  private final Inventory inventory;

  public ShadowRoutes(ShadowLedger shadow, Inventory inventory) {
    this.shadow = shadow;
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
      http.respond(ctx, 200, () -> json(shadow.report(agent)));
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
