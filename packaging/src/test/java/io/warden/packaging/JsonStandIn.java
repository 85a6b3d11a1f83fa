package io.warden.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * The smallest provider stand-in for the packaged ITs: an HTTP server on an OS-chosen loopback port
 * that reads each request's JSON body and answers {@code 200} with the JSON the test makes of it, or
 * {@code 400} when the body is not JSON. It lives as long as {@code vertx}.
 */
final class JsonStandIn {
  private JsonStandIn() {}

  /** Starts the stand-in; {@code answer} sees the request and its body and returns the response body. */
  static int start(Vertx vertx, BiFunction<HttpServerRequest, JsonNode, String> answer) throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      JsonNode body;
      try {
        body = WardenProcess.JSON.readTree(b.getBytes());
      } catch (Exception e) {
        req.response().setStatusCode(400).end();
        return;
      }
      req.response().putHeader("content-type", "application/json").end(answer.apply(req, body));
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return server.actualPort();
  }
}
