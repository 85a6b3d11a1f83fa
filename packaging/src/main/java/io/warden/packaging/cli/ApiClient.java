package io.warden.packaging.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.packaging.config.WardenConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * How CLI commands reach a running Warden: {@code --server}, else {@code WARDEN_URL}, else the
 * configured {@code http.host}/{@code http.port} (./warden.yaml and {@code WARDEN_HTTP_PORT}, as
 * {@code warden run} reads them); a token from {@code --token}, {@code WARDEN_TOKEN}, or the admin
 * token file in the configured data directory. Nothing is created before a request is sent: a
 * command that fails to parse or only prints help stays fast. {@link HttpURLConnection} rather than
 * {@code java.net.http}: that client sets up TLS (the JDK's trust store) even for http URLs, a
 * second of a short command's start on a busy machine.
 */
public final class ApiClient {
  @Option(names = "--server", description = "Warden URL (default: $WARDEN_URL, else http.host and http.port "
      + "from ./warden.yaml and $WARDEN_HTTP_PORT: http://127.0.0.1:8080)")
  String server;

  @Option(names = "--token", description = "API token (default: $WARDEN_TOKEN, else <data_dir>/admin-token)")
  String token;

  private ObjectMapper json;
  private WardenConfig config;
  private final Map<String, String> env;

  public ApiClient() {
    this(System.getenv());
  }

  ApiClient(Map<String, String> env) {
    this.env = env;
  }

  public JsonNode get(String path) {
    return send("GET", path, null);
  }

  public JsonNode post(String path, Object body) {
    try {
      return send("POST", path, json().writeValueAsBytes(body));
    } catch (IOException e) {
      throw new CliException("cannot encode request: " + e.getMessage());
    }
  }

  public JsonNode delete(String path) {
    return send("DELETE", path, null);
  }

  public ObjectMapper json() {
    if (json == null) {
      json = new ObjectMapper();
    }
    return json;
  }

  private JsonNode send(String method, String path, byte[] requestBody) {
    String bearer = token();
    int status;
    byte[] reply;
    try {
      HttpURLConnection c = (HttpURLConnection) uri(path).toURL().openConnection();
      c.setRequestMethod(method);
      c.setConnectTimeout(5_000);
      c.setReadTimeout(60_000);
      c.setRequestProperty("Authorization", "Bearer " + bearer);
      c.setRequestProperty("Accept", "application/json");
      if (requestBody != null) {
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        c.setFixedLengthStreamingMode(requestBody.length);
        try (OutputStream out = c.getOutputStream()) {
          out.write(requestBody);
        }
      }
      status = c.getResponseCode();
      try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
        reply = in == null ? new byte[0] : in.readAllBytes();
      }
    } catch (ConnectException | SocketTimeoutException e) {
      throw new CliException("cannot reach Warden at " + base() + ": is it running (./warden run)? "
          + "Elsewhere: --server URL or WARDEN_URL");
    } catch (IOException e) {
      throw new CliException("request to " + base() + " failed: " + e.getMessage());
    }
    JsonNode body;
    try {
      body = json().readTree(reply);
    } catch (IOException e) {
      throw new CliException("unexpected reply (HTTP " + status + ") from " + base()
          + ": is that a Warden? (--server, WARDEN_URL)");
    }
    if (status >= 400) {
      StringBuilder msg = new StringBuilder(forCli(body.path("message").asText("HTTP " + status)));
      if (status == 401) {
        msg.append(" (the CLI sends --token, else $WARDEN_TOKEN, else <data_dir>/admin-token)");
      }
      for (JsonNode err : body.path("errors")) {
        msg.append("\n  ").append(forCli(err.path("location").asText()));
      }
      throw new CliException(msg.toString());
    }
    return body;
  }

  /** The server's words for API clients, with routes replaced by the CLI commands that call them. */
  static String forCli(String message) {
    Matcher m = ROUTE.matcher(message);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String command = switch (m.group(1) + " " + m.group(2)) {
        case "GET agents" -> "warden agents list";
        case "GET changes" -> "warden changes list";
        case "GET users", "POST users" -> "warden users create";
        case "GET whoami" -> "warden token whoami";
        case "POST tokens" -> "warden token mint";
        case "GET audit" -> "warden audit verify";
        default -> m.group();
      };
      m.appendReplacement(sb, Matcher.quoteReplacement(command));
    }
    m.appendTail(sb);
    return sb.toString().replace("this endpoint", "this command");
  }

  private static final Pattern ROUTE = Pattern.compile("\\b(GET|POST|DELETE) /api/v1/([a-z-]+)(?![\\w/{])");

  /** The server this command talks to. */
  String base() {
    if (server != null && !server.isBlank()) {
      return server;
    }
    String url = env.get("WARDEN_URL");
    if (url != null && !url.isBlank()) {
      return url;
    }
    return "http://" + config().reachableHost("http.host") + ":" + config().port("http.port");
  }

  /** Warden's configuration as {@code warden run} in this directory would read it. */
  private WardenConfig config() {
    if (config == null) {
      Path file = Path.of("warden.yaml");
      config = WardenConfig.load(Files.isRegularFile(file) ? file : null, env);
    }
    return config;
  }

  private URI uri(String path) {
    String b = base();
    try {
      return URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + path);
    } catch (IllegalArgumentException e) {
      throw new CliException("not a URL: '" + b + "' (--server or WARDEN_URL, e.g. http://127.0.0.1:8080)");
    }
  }

  private String token() {
    if (token != null && !token.isBlank()) {
      return token.trim();
    }
    String fromEnv = env.get("WARDEN_TOKEN");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.trim();
    }
    Path file = config().path("data_dir").resolve("admin-token");
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
