package io.warden.api;

import io.vertx.ext.web.Router;
import io.warden.core.WardenException;
import io.warden.core.executor.ExecutorStatus;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.IssuedSecret;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.gitops.Reconciler;
import io.warden.tracestore.IngestRejections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** {@code /api/v1/agents}: inventory, history, credentials, rollback. */
public final class AgentRoutes implements ApiRoutes {
  private final Inventory inventory;
  private final Reconciler reconciler;
  private final IdentityService identity;
  private final IngestRejections rejections;
  private final Function<AgentState, @Nullable ExecutorStatus> executorStatus;

  public AgentRoutes(Inventory inventory, Reconciler reconciler, IdentityService identity) {
    this(inventory, reconciler, identity, IngestRejections.create(java.time.Clock.systemUTC()));
  }

  /** @param rejections what the trace store's ingest rejected, for {@code GET /api/v1/agents/{name}/ingest} */
  public AgentRoutes(Inventory inventory, Reconciler reconciler, IdentityService identity,
      IngestRejections rejections) {
    this(inventory, reconciler, identity, rejections, s -> null);
  }

  /**
   * @param executorStatus what the agent's executor says of its runtime now ({@link
   *     io.warden.core.executor.AgentExecutor#status}), or null for an agent without {@code
   *     spec.executor}; shown as {@code executor} by {@code GET /api/v1/agents/{name}}
   */
  public AgentRoutes(Inventory inventory, Reconciler reconciler, IdentityService identity,
      IngestRejections rejections, Function<AgentState, @Nullable ExecutorStatus> executorStatus) {
    this.inventory = inventory;
    this.reconciler = reconciler;
    this.identity = identity;
    this.rejections = rejections;
    this.executorStatus = executorStatus;
  }

  @Override
  public void mount(Router router, Http http) {
    router.get("/api/v1/agents").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      http.respond(ctx, 200, () -> Map.of(
          "applied_commit", inventory.appliedCommit(),
          "agents", inventory.list().stream().map(AgentRoutes::summary).toList()));
    });
    router.get("/api/v1/agents/:name/ingest").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      String name = ctx.pathParam("name");
      http.respond(ctx, 200, () -> ingest(name));
    });
    router.get("/api/v1/agents/:name").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      String name = ctx.pathParam("name");
      http.respond(ctx, 200, () -> {
        AgentState state = find(name);
        Map<String, Object> body = summary(state);
        body.put("descriptor", state.descriptor());
        body.put("history", reconciler.history(name));
        body.put("credentials", identity.credentials(name));
        ExecutorStatus executor = executorStatus.apply(state);
        if (executor != null) {
          Map<String, Object> e = new LinkedHashMap<>();
          e.put("type", state.descriptor().spec().executor().type());
          e.put("state", executor.state());
          e.put("revision", executor.revision());
          e.put("message", executor.message());
          body.put("executor", e);
        }
        return body;
      });
    });
    router.post("/api/v1/agents/:name/credentials").handler(ctx -> {
      UserPrincipal admin = http.user(ctx, Role.ADMIN);
      String name = ctx.pathParam("name");
      http.respond(ctx, 201, () -> {
        IssuedSecret secret = identity.issueCredential(admin, name);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", secret.id());
        body.put("agent", name);
        body.put("credential", secret.secret());
        body.put("note", "shown once: Warden stores only its hash");
        return body;
      });
    });
    router.delete("/api/v1/agents/:name/credentials/:id").handler(ctx -> {
      UserPrincipal admin = http.user(ctx, Role.ADMIN);
      http.respond(ctx, 200, () -> {
        identity.revokeCredential(admin, ctx.pathParam("name"), ctx.pathParam("id"));
        return Map.of("revoked", ctx.pathParam("id"));
      });
    });
    router.post("/api/v1/agents/:name/rollback").handler(ctx -> {
      UserPrincipal author = http.user(ctx, Role.AUTHOR);
      // The commit to restore: see the agent's history.
      String revision = Http.body(ctx, "{revision: the commit to restore, from the agent's history}").string("revision");
      http.respond(ctx, 201, () -> reconciler.rollback(author, ctx.pathParam("name"), revision));
    });
  }

  /** The agent's rejected spans: counts per reason and the last rejections, newest first. */
  private Map<String, Object> ingest(String name) {
    find(name);
    IngestRejections.Summary summary = rejections.summary(name);
    Map<String, Object> counts = new LinkedHashMap<>();
    for (IngestRejections.Reason r : IngestRejections.Reason.values()) {
      counts.put(r.label(), summary.counts().getOrDefault(r, 0L));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("agent", name);
    body.put("rejected_spans", summary.total());
    body.put("rejected_by_reason", counts);
    body.put("recent_rejections", summary.recent().stream().map(x -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("at", x.at().toString());
      m.put("reason", x.reason().label());
      m.put("span_id", x.spanId());
      m.put("trace_id", x.traceId());
      m.put("message", x.message());
      return m;
    }).toList());
    return body;
  }

  private AgentState find(String name) {
    return inventory.get(name).orElseThrow(() -> WardenException.notFound(
        "no agent '" + name + "' on main; GET /api/v1/agents lists them"));
  }

  static Map<String, Object> summary(AgentState s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", s.name());
    m.put("owner", s.descriptor().metadata().owner());
    m.put("status", s.status());
    m.put("message", s.message());
    m.put("revision", s.revision());
    m.put("updated_at", s.updatedAt());
    return m;
  }
}
