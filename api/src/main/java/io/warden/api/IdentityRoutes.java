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
      JsonBody body = Http.body(ctx, "{session, agent, tools: [tool], usd_budget, ttl_seconds}");
      String session = body.string("session");
      String forAgent = body.string("agent", holder.name());
      long ttl = body.integer("ttl_seconds", 900L);
      if (ttl < 1 || ttl > MAX_TTL.toSeconds()) {
        throw WardenException.invalid("ttl_seconds must be 1.." + MAX_TTL.toSeconds() + ", got " + ttl);
      }
      Set<String> tools = body.strings("tools");
      BigDecimal usd = body.decimal("usd_budget");
      TokenScope requested = new TokenScope(session, tools, usd, clock.instant().plusSeconds(ttl), List.of());
      http.respond(ctx, 201, () -> {
        IdentityService.MintedToken minted = identity.mintScopedToken(holder, forAgent, requested);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("token", minted.token());
        out.put("agent", forAgent);
        out.put("expires_at", requested.expiresAt());
        tellBudget(out, minted.granted());
        return out;
      });
    });
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
