package io.warden.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import io.warden.core.Problem;
import io.warden.core.WardenException;
import io.warden.core.identity.AgentPrincipal;
import io.warden.core.identity.Principal;
import io.warden.core.identity.Role;
import io.warden.core.identity.TooManyFailedAuthentications;
import io.warden.core.identity.UserPrincipal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Helpers every {@link ApiRoutes} uses: who is calling, role checks, running blocking work off the
 * event loop, and the one JSON error shape ({@code {code, message, errors[]}}, OPA style).
 */
public final class Http {
  private static final Logger log = LoggerFactory.getLogger(Http.class);

  /** Routing-context key under which the authentication handler stores the {@link Principal}. */
  static final String PRINCIPAL = "warden.principal";

  private final Vertx vertx;
  private final ObjectMapper json;
  private final ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();

  Http(Vertx vertx, ObjectMapper json) {
    this.vertx = vertx;
    this.json = json;
  }

  public ObjectMapper json() {
    return json;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The authenticated caller (set before any ApiRoutes handler runs). */
  public Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  /** The caller as a user with at least {@code role}; agents and lesser roles get 403. */
  public UserPrincipal user(RoutingContext ctx, Role role) {
    Principal p = principal(ctx);
    if (!(p instanceof UserPrincipal user)) {
      throw WardenException.forbidden("this endpoint is for users; agent credentials cannot call it");
    }
    if (!user.has(role)) {
      throw WardenException.forbidden(
          "role " + role.wireName() + " required; " + user.name() + " has " + user.role().wireName());
    }
    return user;
  }

  /** The caller as an agent; users get 403. */
  public AgentPrincipal agent(RoutingContext ctx) {
    if (principal(ctx) instanceof AgentPrincipal agent) {
      return agent;
    }
    throw WardenException.forbidden("this endpoint is for agents: authenticate with an agent credential");
  }

  /**
   * Runs {@code work} on a virtual thread (JGit, stores and OPA calls block) and answers with its
   * result as JSON, or with the error shape when it throws.
   */
  public <T> void respond(RoutingContext ctx, int status, Callable<T> work) {
    offLoop(work)
        .onSuccess(result -> send(ctx, status, result))
        .onFailure(err -> fail(ctx, err));
  }

  /** Like {@link #respond} but for work that writes the response itself. */
  public void blocking(RoutingContext ctx, Callable<Void> work) {
    offLoop(work).onFailure(err -> fail(ctx, err));
  }

  /** Runs {@code work} on a virtual thread; the future completes on the caller's Vert.x context. */
  private <T> Future<T> offLoop(Callable<T> work) {
    return Future.fromCompletionStage(
        java.util.concurrent.CompletableFuture.supplyAsync(() -> call(work), blocking),
        vertx.getOrCreateContext());
  }

  private static <T> T call(Callable<T> work) {
    try {
      return work.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new java.util.concurrent.CompletionException(e);
    }
  }

  /**
   * The request body as a JSON object read through typed accessors; no body, {@code null}, a
   * non-object or a field of the wrong type is a 400 {@code invalid_input} naming what the route
   * expects. Every route with a body reads it here.
   *
   * @param expected the shape the route takes, for error messages: {@code {revision}}
   */
  public static JsonBody body(RoutingContext ctx, String expected) {
    return JsonBody.parse(ctx.body() == null ? null : ctx.body().buffer(), expected);
  }

  /** The request body as a JSON object; see {@link #body(RoutingContext, String)}. */
  public static io.vertx.core.json.JsonObject bodyObject(RoutingContext ctx) {
    return body(ctx, "").object();
  }

  public void send(RoutingContext ctx, int status, Object body) {
    if (ctx.response().ended()) {
      return;
    }
    try {
      ctx.response()
          .setStatusCode(status)
          .putHeader("Content-Type", "application/json; charset=utf-8")
          .end(Buffer.buffer(json.writeValueAsBytes(body)));
    } catch (JsonProcessingException e) {
      fail(ctx, e);
    }
  }

  /** Answers with the error shape; unknown exceptions become 500 without leaking their details. */
  public void fail(RoutingContext ctx, Throwable err) {
    Throwable cause = unwrap(err);
    if (ctx.response().ended()) {
      log.warn("error after the response was sent for {} {}", ctx.request().method(), ctx.request().path(), cause);
      return;
    }
    if (cause instanceof WardenException we) {
      ErrorCode code = ErrorCode.fromWire(we.code()).orElse(null);
      if (code == null) {
        log.warn("unknown error code '{}' on {} {}: add it to ErrorCode", we.code(), ctx.request().method(),
            ctx.request().path(), cause);
        sendError(ctx, ErrorCode.INTERNAL_ERROR, "internal error; see the server log", List.of());
        return;
      }
      if (we instanceof TooManyFailedAuthentications t) {
        ctx.response().putHeader("Retry-After", Long.toString(t.retryAfterSeconds()));
      }
      sendError(ctx, code, we.getMessage(), we.problems());
    } else if (cause instanceof IllegalArgumentException iae) {
      sendError(ctx, ErrorCode.INVALID_INPUT, iae.getMessage(), List.of());
    } else {
      log.warn("internal error on {} {}", ctx.request().method(), ctx.request().path(), cause);
      sendError(ctx, ErrorCode.INTERNAL_ERROR, "internal error; see the server log", List.of());
    }
  }

  /** Answers {@code {code, message, errors[]}} with the code's HTTP status. */
  public void sendError(RoutingContext ctx, ErrorCode code, String message, List<Problem> problems) {
    sendError(ctx, code.status(), code.wire(), message, problems);
  }

  /**
   * Answers {@code {code, message, errors[]}} with {@code status}; prefer {@link
   * #sendError(RoutingContext, ErrorCode, String, List)}, this one is for statuses without a stable
   * code.
   */
  public void sendError(RoutingContext ctx, int status, String code, String message, List<Problem> problems) {
    Map<String, Object> body = errorJson(code, message, problems);
    if (status == 401) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"warden\", Basic realm=\"warden\"");
    }
    send(ctx, status, body);
  }

  /**
   * The error shape {@code {code, message, errors[]}} of {@code err} as {@link #fail} would answer it,
   * for an answer whose status is already sent (a stream's final error event).
   */
  public Map<String, Object> errorJson(Throwable err) {
    Throwable cause = unwrap(err);
    if (cause instanceof WardenException we && ErrorCode.fromWire(we.code()).isPresent()) {
      return errorJson(we.code(), we.getMessage(), we.problems());
    }
    if (cause instanceof IllegalArgumentException iae) {
      return errorJson(ErrorCode.INVALID_INPUT.wire(), iae.getMessage(), List.of());
    }
    log.warn("internal error in a stream", cause);
    return errorJson(ErrorCode.INTERNAL_ERROR.wire(), "internal error; see the server log", List.of());
  }

  private static Map<String, Object> errorJson(String code, String message, List<Problem> problems) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("code", code);
    body.put("message", message);
    body.put("errors", problems.stream().map(Http::problemJson).toList());
    return body;
  }

  static Map<String, Object> problemJson(Problem p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("file", p.file());
    m.put("line", p.line());
    m.put("column", p.column());
    m.put("field", p.field());
    m.put("message", p.message());
    m.put("location", p.toString());
    return m;
  }

  private static Throwable unwrap(Throwable err) {
    Throwable t = err;
    while ((t instanceof java.util.concurrent.CompletionException
            || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  void close() {
    blocking.shutdownNow();
  }
}
