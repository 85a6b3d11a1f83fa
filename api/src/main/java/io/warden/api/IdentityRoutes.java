package io.warden.api;

import io.vertx.ext.web.Router;
import io.warden.core.WardenException;
import io.warden.core.identity.AgentPrincipal;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.IssuedSecret;
import io.warden.core.identity.Principal;
import io.warden.core.identity.Role;
import io.warden.core.identity.ScopeNarrowing;
import io.warden.core.identity.TokenScope;
import io.warden.core.trace.Delegation;
import io.warden.core.identity.UserPrincipal;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /api/v1/users} (admin), {@code /api/v1/whoami}, and {@code /api/v1/tokens}: an agent
 * exchanges its credential (or a token) for a short-lived token scoped to one session, for itself or
 * for a sub-agent it delegates to.
 */
public final class IdentityRoutes implements ApiRoutes {
  /** Longest scoped-token lifetime an agent may ask for: one hour. */
  static final Duration MAX_TTL = Duration.ofHours(1);

  private final IdentityService identity;
  private final Clock clock;

  public IdentityRoutes(IdentityService identity, Clock clock) {
    this.identity = identity;
    this.clock = clock;
  }

  @Override
  public void mount(Router router, Http http) {
    router.get("/api/v1/whoami").handler(ctx -> http.send(ctx, 200, describe(http.principal(ctx))));
    router.get("/api/v1/users").handler(ctx -> {
      http.user(ctx, Role.ADMIN);
      http.respond(ctx, 200, () -> Map.of("users", identity.users().stream().map(IdentityRoutes::describe).toList()));
    });
    router.post("/api/v1/users").handler(ctx -> {
      UserPrincipal admin = http.user(ctx, Role.ADMIN);
      JsonBody body = Http.body(ctx, "{name, role: viewer|author|approver|admin, teams: [team]}");
      String name = body.string("name");
      Role role = Role.parse(body.string("role"));
      Set<String> teams = body.strings("teams");
      http.respond(ctx, 201, () -> {
        IssuedSecret secret = identity.createUser(admin, name, role, teams);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        out.put("role", role.wireName());
        out.put("teams", teams);
        out.put("token", secret.secret());
        out.put("note", "shown once: Warden stores only its hash");
        return out;
      });
    });
    router.post("/api/v1/tokens").handler(ctx -> {
      AgentPrincipal holder = http.agent(ctx);
      JsonBody body = Http.body(ctx, "{session, agent, tools: [tool], usd_budget, ttl_seconds, parent: {trace_id, span_id}}");
      String session = body.string("session");
      String forAgent = body.string("agent", holder.name());
      long ttl = body.integer("ttl_seconds", 900L);
      if (ttl < 1 || ttl > MAX_TTL.toSeconds()) {
        throw WardenException.invalid("ttl_seconds must be 1.." + MAX_TTL.toSeconds() + ", got " + ttl);
      }
      Set<String> tools = body.strings("tools");
      BigDecimal usd = body.decimal("usd_budget");
      List<Delegation.Hop> parent = parent(body.objectField("parent"), holder.name());
      TokenScope requested = new TokenScope(session, tools, usd, clock.instant().plusSeconds(ttl), List.of(), parent);
      http.respond(ctx, 201, () -> {
        IdentityService.MintedToken minted = identity.mintScopedToken(holder, forAgent, requested);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("token", minted.token());
        out.put("agent", forAgent);
        out.put("expires_at", requested.expiresAt());
        if (!minted.granted().scope().delegationHops().isEmpty()) {
          out.put("delegation", Delegation.format(minted.granted().scope().delegationHops()));
        }
        tellBudget(out, minted.granted());
        return out;
      });
    });
  }

  /**
   * The delegating span named in {@code parent: {trace_id, span_id}} (lowercase or uppercase hex), as
   * the hop the holder adds; none when the field is absent.
   */
  static List<Delegation.Hop> parent(io.vertx.core.json.JsonObject parent, String holder) {
    if (parent.isEmpty()) {
      return List.of();
    }
    String trace = hexField(parent, "trace_id", 32);
    String span = hexField(parent, "span_id", 16);
    return List.of(new Delegation.Hop(holder, trace, span));
  }

  private static String hexField(io.vertx.core.json.JsonObject parent, String field, int digits) {
    Object v = parent.getValue(field);
    String s = v instanceof String str ? str.strip().toLowerCase(java.util.Locale.ROOT) : "";
    if (s.length() != digits || !s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
        || s.chars().allMatch(c -> c == '0')) {
      throw WardenException.invalid("parent." + field + " must be " + digits + " hex digits, not all zero (the "
          + "delegating span's W3C " + (digits == 32 ? "trace id" : "span id") + "), got " + (v == null ? "nothing" : "'" + v + "'"));
    }
    return s;
  }

  /** The usd budget granted, and when it is lower than asked, that it was capped, at what and why. */
  static void tellBudget(Map<String, Object> out, ScopeNarrowing.Narrowed granted) {
    BigDecimal usd = granted.scope().usdBudget();
    if (usd != null) {
      out.put("usd_budget", usd);
    }
    out.put("usd_budget_capped", granted.usdBudgetCapped());
    if (granted.usdBudgetCapped()) {
      out.put("note", "usd_budget capped from " + granted.requestedUsdBudget().toPlainString() + " to "
          + usd.toPlainString() + ": the " + granted.usdCap());
    }
  }

  static Map<String, Object> describe(Principal p) {
    Map<String, Object> m = new LinkedHashMap<>();
    switch (p) {
      case UserPrincipal u -> {
        m.put("kind", "user");
        m.put("name", u.name());
        m.put("role", u.role().wireName());
        m.put("teams", u.teams());
      }
      case AgentPrincipal a -> {
        m.put("kind", "agent");
        m.put("name", a.name());
        m.put("credential_id", a.credentialId());
        if (a.scope() != null) {
          m.put("scope", a.scope());
        }
      }
    }
    return m;
  }
}
