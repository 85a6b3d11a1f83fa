package io.warden.packaging.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.packaging.Appliance;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * How CLI commands reach a running Warden: {@code --server} (or {@code WARDEN_URL}) and a token from
 * {@code --token}, {@code WARDEN_TOKEN}, or the admin token file in the data directory.
 */
public final class ApiClient {
  @Option(names = "--server", description = "Warden URL (default: $WARDEN_URL or http://127.0.0.1:8080)")
  String server;

  @Option(names = "--token", description = "API token (default: $WARDEN_TOKEN, else <data>/admin-token)")
  String token;

  private final ObjectMapper json = Appliance.jsonMapper();
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public JsonNode get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  public JsonNode post(String path, Object body) {
    try {
      return send(HttpRequest.newBuilder(uri(path))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body))));
    } catch (IOException e) {
      throw new CliException("cannot encode request: " + e.getMessage());
    }
  }

  public ObjectMapper json() {
    return json;
  }

  private JsonNode send(HttpRequest.Builder request) {
    HttpResponse<byte[]> response;
    try {
      response = client.send(request.header("Authorization", "Bearer " + token())
          .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (ConnectException e) {
      throw new CliException("cannot reach Warden at " + base() + ": is it running? (./warden run)");
    } catch (IOException e) {
      throw new CliException("request to " + base() + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
    JsonNode body;
    try {
      body = json.readTree(response.body());
    } catch (IOException e) {
      throw new CliException("unexpected reply (HTTP " + response.statusCode() + ") from " + base());
    }
    if (response.statusCode() >= 400) {
      StringBuilder msg = new StringBuilder(body.path("message").asText("HTTP " + response.statusCode()));
      for (JsonNode err : body.path("errors")) {
        msg.append("\n  ").append(err.path("location").asText());
      }
      throw new CliException(msg.toString());
    }
    return body;
  }

  private String base() {
    if (server != null && !server.isBlank()) {
      return server;
    }
    String env = System.getenv("WARDEN_URL");
    return env != null && !env.isBlank() ? env : "http://127.0.0.1:8080";
  }

  private URI uri(String path) {
    String b = base();
    return URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + path);
  }

  private String token() {
    if (token != null && !token.isBlank()) {
      return token.trim();
    }
    String env = System.getenv("WARDEN_TOKEN");
    if (env != null && !env.isBlank()) {
      return env.trim();
    }
    String data = System.getenv("WARDEN_DATA");
    Path file = Path.of(data != null && !data.isBlank() ? data : "data").resolve("admin-token");
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new CliException("no token: pass --token, set WARDEN_TOKEN, or run where " + file + " exists");
    }
  }

  /** A user-facing failure: printed without a stack trace, exit code 1. */
  public static final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CliException(String message) {
      super(message);
    }
  }
}
