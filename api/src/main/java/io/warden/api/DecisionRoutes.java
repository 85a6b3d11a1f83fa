package io.warden.api;

import io.vertx.ext.web.Router;
import io.warden.core.WardenException;
import io.warden.core.identity.Role;
import io.warden.core.policy.PolicyDecision.Outcome;
import io.warden.policy.DecisionLog;
import io.warden.policy.DecisionQuery;
import io.warden.policy.DecisionRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /api/v1/decisions?agent=&result=&from=&to=&limit=} (viewer role): the policy decision
 * log, newest first. {@code result} is {@code allow}, {@code deny} or {@code require_approval};
 * {@code from} (inclusive) and {@code to} (exclusive) are ISO-8601 instants, dates (midnight UTC) or
 * a look-back ({@code 15m}, {@code 24h}, {@code 7d}); {@code limit} is 1..1000 (default 100).
 */
public final class DecisionRoutes implements ApiRoutes {

  private final DecisionLog decisions;
  private final Clock clock;

  public DecisionRoutes(DecisionLog decisions, Clock clock) {
    this.decisions = decisions;
    this.clock = clock;
  }

  @Override
  public void mount(Router router, Http http) {
    router.get("/api/v1/decisions").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      var p = ctx.request().params();
      DecisionQuery query = query(p.get("agent"), p.get("result"), p.get("from"), p.get("to"), p.get("limit"), clock);
      http.respond(ctx, 200, () -> Map.of("decisions", decisions.query(query).stream().map(DecisionRoutes::json).toList()));
    });
  }

  /** The query from request parameters; a bad one is a 400 naming the parameter and its value. */
  static DecisionQuery query(String agent, String result, String from, String to, String limit, Clock clock) {
    Instant fromTime = QueryParams.time(from, "from", clock);
    Instant toTime = QueryParams.time(to, "to", clock);
    if (fromTime != null && toTime != null && !fromTime.isBefore(toTime)) {
      throw WardenException.invalid("from must be before to, got from=" + fromTime + " to=" + toTime);
    }
    return new DecisionQuery(QueryParams.blankToNull(agent), outcome(result), fromTime, toTime,
        QueryParams.limit(limit, DecisionQuery.DEFAULT_LIMIT, DecisionQuery.MAX_LIMIT));
  }

  static Map<String, Object> json(DecisionRecord r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seq", r.seq());
    m.put("time", r.time().toString());
    m.put("agent", r.agent());
    m.put("action", r.action());
    m.put("resource", r.resource());
    m.put("result", r.result().name().toLowerCase(Locale.ROOT));
    m.put("reasons", r.reasons());
    m.put("policy_revision", r.policyRevision());
    m.put("input_digest", r.inputDigest());
    m.put("latency_us", r.latencyMicros());
    m.put("cached", r.cached());
    return m;
  }

  private static Outcome outcome(String value) {
    String v = QueryParams.blankToNull(value);
    if (v == null) {
      return null;
    }
    try {
      return Outcome.valueOf(v.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw WardenException.invalid("result must be one of allow, deny, require_approval, got '" + value + "'");
    }
  }

}
