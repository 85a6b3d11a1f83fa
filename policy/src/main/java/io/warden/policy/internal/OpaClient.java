package io.warden.policy.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;

/**
 * OPA's REST API ({@code /health}, {@code /v1/policies}, {@code /v1/data}) over the JDK HTTP client,
 * HTTP/1.1 with keep-alive. Every call has its own deadline. Thread-safe.
 *
 * <p>Internal: not public API.
 */
public final class OpaClient {

  private static final byte[] INPUT_PREFIX = "{\"input\":".getBytes(StandardCharsets.UTF_8);

  private final URI base;
  private final HttpClient http;
  private final ObjectMapper json;

  public OpaClient(URI base, Duration connectTimeout, ObjectMapper json) {
    String s = Objects.requireNonNull(base, "base").toString();
    this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    this.json = Objects.requireNonNull(json, "json");
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .executor(Executors.newVirtualThreadPerTaskExecutor())
        .build();
  }

  public URI base() {
    return base;
  }

  /** {@code GET /health}: returns normally when OPA is up and ready. */
  public void health(Duration timeout) {
    send(request("/health", timeout).GET().build());
  }

  /** OPA's labels from {@code GET /v1/config} (its instance {@code id}, {@code version}, ours). */
  public Map<String, String> labels(Duration timeout) {
    JsonNode labels = send(request("/v1/config", timeout).GET().build()).path("result").path("labels");
    Map<String, String> out = new LinkedHashMap<>();
    labels.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  /**
   * {@code POST /v1/data/<path>} with {@code {"input": <inputJson>}}; the {@code result}, or a
   * {@link MissingNode} when the document is undefined.
   */
  public JsonNode query(String dataPath, byte[] inputJson, Duration timeout) {
    byte[] body = new byte[INPUT_PREFIX.length + inputJson.length + 1];
    System.arraycopy(INPUT_PREFIX, 0, body, 0, INPUT_PREFIX.length);
    System.arraycopy(inputJson, 0, body, INPUT_PREFIX.length, inputJson.length);
    body[body.length - 1] = '}';
    HttpRequest req = request("/v1/data/" + dataPath, timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    return send(req).path("result");
  }

  /** {@code GET /v1/data/<path>}: the document, or a {@link MissingNode} when undefined. */
  public JsonNode getData(String dataPath, Duration timeout) {
    return send(request("/v1/data/" + dataPath, timeout).GET().build()).path("result");
  }

  /** {@code PUT /v1/data/<path>}: creates or replaces the document. */
  public void putData(String dataPath, byte[] document, Duration timeout) {
    send(request("/v1/data/" + dataPath, timeout)
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(document))
        .build());
  }

  /** {@code DELETE /v1/data/<path>}; a missing document is not an error. */
  public void deleteData(String dataPath, Duration timeout) {
    try {
      send(request("/v1/data/" + dataPath, timeout).DELETE().build());
    } catch (OpaException.Rejected e) {
      if (e.status() != 404) {
        throw e;
      }
    }
  }

  /** {@code PUT /v1/policies/<id>}: OPA compiles it with every other module and refuses it whole. */
  public void putPolicy(String id, String rego, Duration timeout) {
    send(request("/v1/policies/" + id, timeout)
        .header("Content-Type", "text/plain")
        .PUT(HttpRequest.BodyPublishers.ofString(rego, StandardCharsets.UTF_8))
        .build());
  }

  public void deletePolicy(String id, Duration timeout) {
    send(request("/v1/policies/" + id, timeout).DELETE().build());
  }

  /** {@code GET /v1/policies}: every module's id and source text. */
  public Map<String, String> listPolicies(Duration timeout) {
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonNode p : send(request("/v1/policies", timeout).GET().build()).path("result")) {
      out.put(p.path("id").asText(), p.path("raw").asText());
    }
    return out;
  }

  private HttpRequest.Builder request(String path, Duration timeout) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
  }

  private JsonNode send(HttpRequest req) {
    HttpResponse<byte[]> resp;
    try {
      resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpTimeoutException e) {
      throw new OpaException.Unavailable("opa at " + base + " did not answer " + req.method() + " "
          + req.uri().getPath() + " within " + req.timeout().map(Duration::toMillis).orElse(0L) + " ms", e);
    } catch (IOException e) {
      throw new OpaException.Unavailable("opa at " + base + " is unreachable: " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OpaException.Unavailable("interrupted while calling opa", e);
    }
    int status = resp.statusCode();
    byte[] body = resp.body();
    if (status == 204 || body.length == 0 && status < 300) {
      return MissingNode.getInstance();
    }
    JsonNode node;
    try {
      node = json.readTree(body);
    } catch (IOException e) {
      throw new OpaException.Unavailable("opa at " + base + " answered " + status + " with a body that is not JSON", e);
    }
    if (status >= 200 && status < 300) {
      return node;
    }
    if (!node.hasNonNull("code")) {
      // Not OPA's error shape: a proxy or a server that is not OPA.
      throw new OpaException.Unavailable("opa at " + base + " answered " + status + " to "
          + req.method() + " " + req.uri().getPath(), null);
    }
    throw new OpaException.Rejected(status, node.path("code").asText(), node.path("message").asText(), errors(node));
  }

  static List<OpaException.OpaError> errors(JsonNode node) {
    List<OpaException.OpaError> out = new ArrayList<>();
    for (JsonNode e : node.path("errors")) {
      JsonNode loc = e.path("location");
      out.add(new OpaException.OpaError(e.path("code").asText(), e.path("message").asText(),
          loc.path("file").asText(""), loc.path("row").asInt(0), loc.path("col").asInt(0)));
    }
    return out;
  }

  private static String describe(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage();
      }
    }
    return e instanceof java.net.ConnectException ? "connection refused" : e.getClass().getSimpleName();
  }

}
