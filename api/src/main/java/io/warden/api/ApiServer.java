package io.warden.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.warden.core.identity.Credentials;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.Principal;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server on port 8080. Unauthenticated: {@code /healthz} only. Everything else needs a
 * token: {@code Authorization: Bearer <token>}, or HTTP basic auth with the token as the password
 * (what the git client sends).
 *
 * <p>Every presented token is checked (a hash lookup): a valid one always works, whatever else
 * arrives from its address. A failure is answered 401, or 429 with {@code Retry-After} once its
 * address is over its failure budget, and audited in aggregate (see {@link
 * io.warden.core.identity.FailedAuthentications}).
 */
public final class ApiServer extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  /** Largest API request body: {@value} bytes. Descriptors are capped at 1 MiB each. */
  public static final long MAX_API_BODY = 8L << 20;

  private final String host;
  private final int port;
  private final IdentityService identity;
  private final ObjectMapper json;
  private final HealthRoutes health;
  private final List<ApiRoutes> routes;
  private Http http;
  private HttpServer server;

  public ApiServer(
      String host, int port, IdentityService identity, ObjectMapper json,
      HealthRoutes health, List<ApiRoutes> routes) {
    this.host = host;
    this.port = port;
    this.identity = identity;
    this.json = json;
    this.health = health;
    this.routes = List.copyOf(routes);
  }

  /** The port actually bound (useful when configured as 0). */
  public int port() {
    return server == null ? port : server.actualPort();
  }

  @Override
  public Future<?> start() {
    http = new Http(vertx, json);
    Router router = Router.router(vertx);
    health.mount(router, http);
    router.route().handler(this::authenticate);
    router.route("/api/*").handler(BodyHandler.create().setBodyLimit(MAX_API_BODY).setHandleFileUploads(false));
    // No body handler on /git/*: GitRoutes streams git bodies, bounded by git.max_push_bytes.
    router.route("/metrics").handler(BodyHandler.create().setBodyLimit(0));
    for (ApiRoutes r : routes) {
      r.mount(router, http);
    }
    router.route().last().handler(ctx -> http.sendError(ctx, ErrorCode.NOT_FOUND,
        "no such endpoint: " + ctx.request().method() + " " + ctx.request().path(), List.of()));
    router.route().failureHandler(ctx -> {
      if (ctx.statusCode() == 413) {
        http.sendError(ctx, ErrorCode.TOO_LARGE, "request body over " + MAX_API_BODY + " bytes", List.of());
      } else if (ctx.failure() != null) {
        http.fail(ctx, ctx.failure());
      } else {
        http.sendError(ctx, ctx.statusCode(), "http_" + ctx.statusCode(), "request failed", List.of());
      }
    });
    return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setCompressionSupported(true)
            // Off: the server would inflate every gzip body before any limit applies; GitRoutes
            // gunzips git bodies itself, bounded.
            .setDecompressionSupported(false))
        .requestHandler(router)
        .listen()
        .onSuccess(s -> {
          server = s;
          log.info("HTTP API listening on http://{}:{}", host, s.actualPort());
        });
  }

  @Override
  public Future<?> stop() {
    if (http != null) {
      http.close();
    }
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void authenticate(RoutingContext ctx) {
    if (ctx.request().path().startsWith("/v1/") || ctx.request().path().equals("/mcp")) {
      // The model and MCP gateways authenticate their callers themselves, answering in their protocol's error shape.
      ctx.next();
      return;
    }
    String bearer = bearer(ctx.request().getHeader("Authorization"));
    if (bearer == null) {
      if (ctx.request().path().startsWith("/git/")) {
        // git retries with credentials only after a Basic challenge.
        ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"warden\"").setStatusCode(401)
            .end("authentication required: use any user name and a Warden token as the password\n");
        return;
      }
      http.sendError(ctx, ErrorCode.UNAUTHORIZED,
          "missing credential: send 'Authorization: Bearer <token>' (or basic auth with the token as password)",
          List.of());
      return;
    }
    String address = ctx.request().remoteAddress() == null ? "" : ctx.request().remoteAddress().hostAddress();
    ctx.request().pause();
    http.vertx().<Principal>executeBlocking(() -> identity.authenticate(bearer, address), false)
        .onComplete(ar -> {
          // The body handler after us resumes the paused request.
          if (ar.succeeded()) {
            ctx.put(Http.PRINCIPAL, ar.result());
            ctx.next();
          } else {
            // 401 unauthorized, or 429 with Retry-After (TooManyFailedAuthentications).
            http.fail(ctx, ar.cause());
          }
        });
  }

  /** The secret from a Bearer or Basic header, or null. */
  static String bearer(String header) {
    return Credentials.fromAuthorizationHeader(header).orElse(null);
  }
}
