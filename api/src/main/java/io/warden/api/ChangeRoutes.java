package io.warden.api;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.warden.core.WardenException;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.gitops.ChangeRequest;
import io.warden.gitops.ChangeRequests;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code /api/v1/changes}: the pull-request experience over REST. A merge reconciles main before the
 * call answers, so the caller sees the agent's new status right away.
 */
public final class ChangeRoutes implements ApiRoutes {
  static final String OPEN_BODY = "{title, files: {path: text}, delete: [path]}";
  private final ChangeRequests changes;

  public ChangeRoutes(ChangeRequests changes) {
    this.changes = changes;
  }

  @Override
  public void mount(Router router, Http http) {
    router.get("/api/v1/changes").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      String status = ctx.request().getParam("status");
      http.respond(ctx, 200, () -> Map.of("changes", changes.list(parseStatus(status))));
    });
    router.post("/api/v1/changes").handler(ctx -> {
      UserPrincipal author = http.user(ctx, Role.AUTHOR);
      JsonBody body = Http.body(ctx, OPEN_BODY);
      String title = body.string("title", "");
      JsonObject files = body.objectField("files");
      Set<String> deletes = body.strings("delete");
      if (files.isEmpty() && deletes.isEmpty()) {
        throw WardenException.invalid("a change needs 'files' ({path: content}) or 'delete' ([path]), or both; expected "
            + OPEN_BODY);
      }
      Map<String, byte[]> upserts = new LinkedHashMap<>();
      for (String path : files.fieldNames()) {
        Object content = files.getValue(path);
        if (!(content instanceof String text)) {
          throw WardenException.invalid("files." + path + " must be the file's text content (a string)");
        }
        upserts.put(path, text.getBytes(StandardCharsets.UTF_8));
      }
      http.respond(ctx, 201, () -> changes.openFromFiles(author, title, upserts, deletes));
    });
    router.get("/api/v1/changes/:id").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      String id = ctx.pathParam("id");
      http.respond(ctx, 200, () -> {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("change", changes.get(id));
        body.put("diff", changes.diff(id));
        return body;
      });
    });
    router.post("/api/v1/changes/:id/approve").handler(ctx -> {
      UserPrincipal approver = http.user(ctx, Role.APPROVER);
      http.respond(ctx, 200, () -> changes.approve(approver, ctx.pathParam("id")));
    });
    router.post("/api/v1/changes/:id/merge").handler(ctx -> {
      UserPrincipal actor = http.user(ctx, Role.APPROVER);
      // The merge listener reconciles main before merge() returns.
      http.respond(ctx, 200, () -> changes.merge(actor, ctx.pathParam("id")));
    });
    router.post("/api/v1/changes/:id/recheck").handler(ctx -> {
      // The author or an approver (ChangeRequests checks which): e.g. a check errored while OPA was down.
      UserPrincipal actor = http.user(ctx, Role.AUTHOR);
      http.respond(ctx, 200, () -> changes.recheck(actor, ctx.pathParam("id")));
    });
    router.post("/api/v1/changes/:id/close").handler(ctx -> {
      UserPrincipal actor = http.user(ctx, Role.AUTHOR);
      http.respond(ctx, 200, () -> changes.close(actor, ctx.pathParam("id")));
    });
  }

  private static ChangeRequest.Status parseStatus(String status) {
    if (status == null || status.isBlank()) {
      return null;
    }
    try {
      return ChangeRequest.Status.valueOf(status.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw WardenException.invalid("status must be one of open, merged, closed; got '" + status + "'");
    }
  }
}
