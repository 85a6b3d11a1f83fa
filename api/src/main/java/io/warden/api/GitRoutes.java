package io.warden.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.warden.core.WardenException;
import io.warden.gitops.GitSmartHttp;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Set;

/**
 * Git smart HTTP at {@code /git/warden.git}: clone, fetch and push with the plain git client (basic
 * auth, any user name, a token as the password). Request bodies are streamed to {@link GitSmartHttp}
 * on a worker thread with back-pressure, gunzipped there while read and refused past
 * {@code git.max_push_bytes} (413 naming it; a push gets git's own refusal, which git prints), so a
 * gzip bomb or a huge push costs neither heap nor an event loop. Results (small for a governance
 * repository) are buffered so a refusal can still become an error status.
 */
public final class GitRoutes implements ApiRoutes {
  static final String REPO = "/git/warden.git";
  private static final Set<String> SERVICES = Set.of("git-upload-pack", "git-receive-pack");
  /**
   * After answering, up to this many times {@code git.max_push_bytes} more of the body is read and
   * dropped, so git (which sends its whole pack before it reads the answer) sees the refusal rather
   * than a broken pipe; past that the connection is closed.
   */
  private static final long DRAIN_FACTOR = 4;

  private final GitSmartHttp git;

  public GitRoutes(GitSmartHttp git) {
    this.git = git;
  }

  @Override
  public void mount(Router router, Http http) {
    router.get(REPO + "/info/refs").handler(ctx -> {
      String service = ctx.request().getParam("service");
      if (service == null || !SERVICES.contains(service)) {
        throw WardenException.forbidden("only the smart HTTP protocol is served: use git 1.6.6 or newer");
      }
      http.blocking(ctx, () -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        git.advertise(service, http.principal(ctx), out);
        reply(ctx, "application/x-" + service + "-advertisement", out);
        return null;
      });
    });
    for (String service : SERVICES) {
      router.post(REPO + "/" + service).handler(ctx -> {
        // Streamed, never buffered: GitSmartHttp gunzips while it reads and stops at git.max_push_bytes.
        // Whatever the answer, the rest of the body is then dropped (up to a cap) so git can read it.
        RequestBodyStream body = RequestBodyStream.of(ctx.request(), ctx.vertx().getOrCreateContext());
        ctx.addEndHandler(ended -> body.discardRest(DRAIN_FACTOR * git.maxPushBytes()));
        git.authorize(service, http.principal(ctx));
        String encoding = ctx.request().getHeader("Content-Encoding");
        http.blocking(ctx, () -> {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          git.rpc(service, http.principal(ctx), body, encoding, out);
          reply(ctx, "application/x-" + service + "-result", out);
          return null;
        });
      });
    }
    router.route(REPO + "/*").handler(ctx -> http.sendError(ctx, 404, "not_found",
        "not a smart-HTTP git endpoint: " + ctx.request().path(), List.of()));
  }

  private static void reply(RoutingContext ctx, String contentType, ByteArrayOutputStream out) {
    Buffer buffer = Buffer.buffer(out.toByteArray());
    ctx.vertx().runOnContext(v -> ctx.response()
        .putHeader("Content-Type", contentType)
        .putHeader("Cache-Control", "no-cache, max-age=0, must-revalidate")
        .end(buffer));
  }
}
