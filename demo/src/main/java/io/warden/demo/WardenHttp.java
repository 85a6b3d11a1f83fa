package io.warden.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Warden's HTTP API and model gateway as any client sees them: JSON over HTTP with a bearer token.
 * The demo's only way into Warden besides MCP and OTLP.
 */
final class WardenHttp {
  static final ObjectMapper JSON = new ObjectMapper();

  /** An answer: its status and JSON body (a {@code MissingNode} when the body is not JSON). */
  record Reply(int status, JsonNode body) {
    boolean ok() {
      return status / 100 == 2;
    }
  }

  private final URI base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  WardenHttp(URI base) {
    this.base = base;
  }

  URI base() {
    return base;
  }

  Reply get(String token, String path) {
    return send(token, "GET", path, null, Map.of());
  }

  Reply post(String token, String path, Object body) {
    return send(token, "POST", path, body, Map.of());
  }

  Reply send(String token, String method, String path, @Nullable Object body, Map<String, String> headers) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
          .header("Authorization", "Bearer " + token)
          .header("Accept", "application/json");
      headers.forEach(b::header);
      if (body == null) {
        b.method(method, HttpRequest.BodyPublishers.noBody());
      } else {
        b.header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
      }
      HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      JsonNode json;
      try {
        json = r.body().length == 0 ? JSON.missingNode() : JSON.readTree(r.body());
      } catch (IOException notJson) {
        json = JSON.missingNode();
      }
      return new Reply(r.statusCode(), json);
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + base.resolve(path) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during " + method + " " + path, e);
    }
  }

  /** The answer's body, or an exception naming the request and Warden's error when it is not 2xx. */
  JsonNode expect(Reply reply, String what) {
    if (!reply.ok()) {
      throw new IllegalStateException(what + " failed: HTTP " + reply.status() + " " + reply.body());
    }
    return reply.body();
  }
}
