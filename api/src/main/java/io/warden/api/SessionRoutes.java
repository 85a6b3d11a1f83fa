package io.warden.api;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.warden.core.WardenException;
import io.warden.core.budget.BudgetExceededException;
import io.warden.core.executor.InvocationEvents;
import io.warden.core.executor.InvocationResult;
import io.warden.core.identity.Principal;
import io.warden.core.session.InvokeRequest;
import io.warden.core.session.RouterBusyException;
import io.warden.core.session.SessionInfo;
import io.warden.core.session.SessionRouter;
import io.warden.core.session.SessionWait;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The session router over HTTP:
 *
 * <ul>
 *   <li>{@code POST /api/v1/agents/{name}/invoke}: the body goes to the agent's runtime unchanged and
 *       its answer comes back unchanged (status, content type, body). With {@code Accept:
 *       text/event-stream}, a streamed answer (A2A {@code message/stream}) is relayed event by event as
 *       the runtime produces it, ending with {@code event: error} if the request fails midway. Session in the
 *       {@code Warden-Session} header or a top-level {@code session_id} field of a JSON body, tenant in
 *       {@code Warden-Tenant} or {@code tenant}, {@code Idempotency-Key} header; W3C
 *       {@code traceparent}/{@code tracestate}/{@code baggage} join the caller's trace. A user with the
 *       author role or above, or an agent whose {@code spec.delegates} lists {@code name}. A full
 *       queue is 429 with {@code Retry-After}.
 *   <li>{@code GET /api/v1/sessions?agent=&after=&limit=} and {@code GET /api/v1/sessions/{id}}: viewer
 *       role, or an agent for its own sessions.
 *   <li>{@code POST /api/v1/sessions/{id}/suspend} {@code {waiting_for}} ({@code approval:<id>},
 *       {@code timer:<instant>}, {@code tool:<name>} or {@code manual}, the default),
 *       {@code POST /api/v1/sessions/{id}/resume}, {@code DELETE /api/v1/sessions/{id}} (ends it):
 *       author role, or the agent the session belongs to.
 * </ul>
 */
public final class SessionRoutes implements ApiRoutes {
  private final SessionRouter sessions;

  public SessionRoutes(SessionRouter sessions) {
    this.sessions = sessions;
  }

  @Override
  public void mount(Router router, Http http) {
    router.post("/api/v1/agents/:name/invoke").handler(ctx -> invoke(ctx, http));
    router.get("/api/v1/sessions").handler(ctx -> {
      Principal caller = http.principal(ctx);
      var p = ctx.request().params();
      String agent = QueryParams.blankToNull(p.get("agent"));
      String after = p.get("after") == null ? "" : p.get("after");
      int limit = QueryParams.limit(p.get("limit"), 100, 1000);
      http.respond(ctx, 200, () -> Map.of("sessions",
          sessions.list(caller, agent, after, limit).stream().map(SessionRoutes::json).toList()));
    });
    router.get("/api/v1/sessions/:id").handler(ctx -> {
      Principal caller = http.principal(ctx);
      String id = ctx.pathParam("id");
      http.respond(ctx, 200, () -> json(sessions.get(caller, id)));
    });
    router.post("/api/v1/sessions/:id/suspend").handler(ctx -> {
      Principal caller = http.principal(ctx);
      String id = ctx.pathParam("id");
      boolean hasBody = ctx.body() != null && ctx.body().length() > 0;
      String wait = hasBody ? Http.body(ctx, "{waiting_for}").string("waiting_for", "manual") : "manual";
      SessionWait waitingFor;
      try {
        waitingFor = SessionWait.parse(wait);
      } catch (IllegalArgumentException e) {
        throw WardenException.invalid(e.getMessage());
      }
      http.respond(ctx, 200, () -> json(sessions.suspend(caller, id, waitingFor)));
    });
    router.post("/api/v1/sessions/:id/resume").handler(ctx -> {
      Principal caller = http.principal(ctx);
      String id = ctx.pathParam("id");
      http.respond(ctx, 200, () -> json(sessions.resume(caller, id)));
    });
    router.delete("/api/v1/sessions/:id").handler(ctx -> {
      Principal caller = http.principal(ctx);
      String id = ctx.pathParam("id");
      http.respond(ctx, 200, () -> json(sessions.end(caller, id)));
    });
  }

  private void invoke(RoutingContext ctx, Http http) {
    Principal caller = http.principal(ctx);
    byte[] body = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
    String contentType = header(ctx, "Content-Type");
    JsonObject fields = jsonObject(contentType, body);
    String session = firstOf(header(ctx, "Warden-Session"), fields, "session_id");
    String tenant = firstOf(header(ctx, "Warden-Tenant"), fields, "tenant");
    Map<String, String> trace = new LinkedHashMap<>();
    for (String h : List.of("traceparent", "tracestate", "baggage")) {
      String v = header(ctx, h);
      if (v != null) {
        trace.put(h, v);
      }
    }
    InvokeRequest request = new InvokeRequest(ctx.pathParam("name"), session, tenant, header(ctx, "Idempotency-Key"),
        contentType == null ? "application/json" : contentType, body, trace);
    io.vertx.core.Context loop = ctx.vertx().getOrCreateContext(); // the request's own event loop
    EventStream stream = accepts(header(ctx, "Accept"), "text/event-stream") ? new EventStream(ctx, loop, session) : null;
    http.blocking(ctx, () -> {
      var answer = stream == null ? sessions.invoke(caller, request) : sessions.invoke(caller, request, stream);
      Future.fromCompletionStage(answer, loop)
          .onSuccess(result -> {
            if (stream != null && stream.started()) {
              stream.end();
            } else {
              send(ctx, result, session);
            }
          })
          .onFailure(err -> {
            Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                ? err.getCause() : err;
            if (stream != null && stream.started()) {
              stream.fail(http.errorJson(cause));
              return;
            }
            if (cause instanceof RouterBusyException busy) {
              ctx.response().putHeader("Retry-After", Long.toString(busy.retryAfterSeconds()));
            } else if (cause instanceof BudgetExceededException budget) {
              ctx.response().putHeader("Retry-After", Long.toString(Math.max(1, budget.retryAfter().toSeconds())));
            }
            http.fail(ctx, cause);
          });
      return null;
    });
  }

  private static void send(RoutingContext ctx, InvocationResult result, @Nullable String session) {
    if (ctx.response().ended()) {
      return;
    }
    if (session != null) {
      ctx.response().putHeader("Warden-Session", session);
    }
    ctx.response().setStatusCode(result.status()).putHeader("Content-Type", result.contentType())
        .end(Buffer.buffer(result.body()));
  }

  /**
   * Relays a streamed answer to a caller that asked for {@code text/event-stream}: 200 and the
   * headers with the first event, each event as it arrives, and a final {@code event: error} (the
   * error shape as its data) when the request fails after the first. Written on the request's event
   * loop, in order.
   */
  private static final class EventStream implements InvocationEvents {
    private final RoutingContext ctx;
    private final io.vertx.core.Context loop;
    private final @Nullable String session;
    private boolean started; // read and written on the event loop only

    EventStream(RoutingContext ctx, io.vertx.core.Context loop, @Nullable String session) {
      this.ctx = ctx;
      this.loop = loop;
      this.session = session;
    }

    @Override
    public void event(String event) {
      loop.runOnContext(v -> {
        if (ctx.response().ended() || ctx.response().closed()) {
          return;
        }
        if (!started) {
          started = true;
          if (session != null) {
            ctx.response().putHeader("Warden-Session", session);
          }
          ctx.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream")
              .putHeader("Cache-Control", "no-cache");
        }
        ctx.response().write(event + "\n\n");
      });
    }

    /** Whether the first event was written (on the event loop). */
    boolean started() {
      return started;
    }

    void end() {
      if (!ctx.response().ended() && !ctx.response().closed()) {
        ctx.response().end();
      }
    }

    void fail(Map<String, Object> error) {
      if (!ctx.response().ended() && !ctx.response().closed()) {
        ctx.response().end("event: error\ndata: " + new JsonObject(error).encode() + "\n\n");
      }
    }
  }

  /** Whether an {@code Accept} header lists {@code type} (parameters and quality aside). */
  static boolean accepts(@Nullable String accept, String type) {
    if (accept == null) {
      return false;
    }
    for (String range : accept.split(",")) {
      if (range.split(";", 2)[0].strip().equalsIgnoreCase(type)) {
        return true;
      }
    }
    return false;
  }

  private static @Nullable String header(RoutingContext ctx, String name) {
    String v = ctx.request().getHeader(name);
    return v == null || v.isBlank() ? null : v.strip();
  }

  /** The body's top-level fields when it is a JSON object, else null (any other body is passed on as is). */
  private static @Nullable JsonObject jsonObject(@Nullable String contentType, byte[] body) {
    if (body.length == 0 || body.length > SessionRouter.MAX_BODY_BYTES
        || (contentType != null && !contentType.toLowerCase(java.util.Locale.ROOT).contains("json"))) {
      return null;
    }
    try {
      return Buffer.buffer(body).toJsonObject();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static @Nullable String firstOf(@Nullable String header, @Nullable JsonObject fields, String field) {
    if (header != null || fields == null || !fields.containsKey(field)) {
      return header;
    }
    Object v = fields.getValue(field);
    if (!(v instanceof String s)) {
      throw WardenException.invalid(field + ": expected a string, got " + JsonBody.kind(v));
    }
    return s;
  }

  static Map<String, Object> json(SessionInfo s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id());
    m.put("agent", s.agent());
    m.put("tenant", s.tenant());
    m.put("state", s.state().wireName());
    m.put("waiting_for", s.waitingFor());
    m.put("message", s.message());
    m.put("memory", s.memory());
    m.put("invocations", s.invocations());
    m.put("checkpoint_bytes", s.checkpointBytes());
    m.put("created_at", s.createdAt().toString());
    m.put("updated_at", s.updatedAt().toString());
    m.put("expires_at", s.expiresAt() == null ? null : s.expiresAt().toString());
    return m;
  }
}
