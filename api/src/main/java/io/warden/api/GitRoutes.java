package io.warden.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.warden.core.WardenException;
import io.warden.gitops.GitSmartHttp;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Set;

/**
 * Git smart HTTP at {@code /git/warden.git}: clone, fetch and push with the plain git client (basic
 * auth, any user name, a token as the password). Request bodies arrive inflated (the server
 * decompresses {@code Content-Encoding: gzip}); packs are small for a governance repository, so they
 * are buffered rather than streamed.
 */
public final class GitRoutes implements ApiRoutes {
  static final String REPO = "/git/warden.git";
  private static final Set<String> SERVICES = Set.of("git-upload-pack", "git-receive-pack");

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
        byte[] body = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        http.blocking(ctx, () -> {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          git.rpc(service, http.principal(ctx), new ByteArrayInputStream(body), out);
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
