package io.warden.gitops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.warden.core.WardenException;
import io.warden.core.identity.Principal;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Test-only HTTP adapter for {@link GitSmartHttp} on the JDK's built-in server, with basic auth
 * (any user name, a token as the password) mapped to principals. The real server is packaging's.
 */
final class GitHttpTestServer implements AutoCloseable {

  static final String PATH = "/git/warden.git";

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final GitSmartHttp git;
  private final Function<String, Principal> authenticator;

  private GitHttpTestServer(GitSmartHttp git, Function<String, Principal> authenticator) throws IOException {
    this.git = git;
    this.authenticator = authenticator;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(PATH + "/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** Starts on a free port; {@code authenticator} maps a token to its principal or throws {@code unauthorized}. */
  static GitHttpTestServer start(GitSmartHttp git, Function<String, Principal> authenticator) throws IOException {
    return new GitHttpTestServer(git, authenticator);
  }

  /** The clone URL with {@code token} as the password. */
  String url(String user, String token) {
    return "http://" + user + ":" + URLEncoder.encode(token, StandardCharsets.UTF_8) + "@127.0.0.1:" + server.getAddress().getPort() + PATH;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath().substring(PATH.length());
      Principal who;
      try {
        who = principal(exchange.getRequestHeaders().getFirst("Authorization"));
      } catch (WardenException e) {
        who = null;
      }
      if (who == null) {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"warden\"");
        reply(exchange, 401, "a token is needed: any user name, your token as the password");
        return;
      }
      exchange.getResponseHeaders().set("Cache-Control", "no-cache");
      try {
        if (exchange.getRequestMethod().equals("GET") && path.equals("/info/refs")) {
          String service = query(exchange, "service");
          git.authorize(service, who);
          exchange.getResponseHeaders().set("Content-Type", GitSmartHttp.advertisementContentType(service));
          exchange.sendResponseHeaders(200, 0);
          try (OutputStream out = exchange.getResponseBody()) {
            git.advertise(service, who, out);
          }
        } else if (exchange.getRequestMethod().equals("POST") && path.startsWith("/git-")) {
          String service = path.substring(1);
          git.authorize(service, who);
          // Buffered, as the real server does, so a refusal can still become a 413.
          ByteArrayOutputStream result = new ByteArrayOutputStream();
          git.rpc(service, who, exchange.getRequestBody(), exchange.getRequestHeaders().getFirst("Content-Encoding"),
              result);
          exchange.getResponseHeaders().set("Content-Type", GitSmartHttp.resultContentType(service));
          exchange.sendResponseHeaders(200, result.size());
          try (OutputStream out = exchange.getResponseBody()) {
            result.writeTo(out);
          }
        } else {
          reply(exchange, 404, "not found");
        }
      } catch (WardenException e) {
        int status = switch (e.code()) {
          case "unauthorized" -> 401;
          case "forbidden" -> 403;
          case "not_found" -> 404;
          case "too_large" -> 413;
          default -> 400;
        };
        reply(exchange, status, e.getMessage());
      }
    }
  }

  private Principal principal(String authorization) {
    if (authorization == null || !authorization.startsWith("Basic ")) {
      return null;
    }
    String decoded = new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8);
    return authenticator.apply(decoded.substring(decoded.indexOf(':') + 1));
  }

  private static String query(HttpExchange exchange, String name) {
    String query = exchange.getRequestURI().getRawQuery();
    if (query != null) {
      for (String pair : query.split("&")) {
        if (pair.startsWith(name + "=")) {
          return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
        }
      }
    }
    return "";
  }

  private static void reply(HttpExchange exchange, int status, String message) throws IOException {
    byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
