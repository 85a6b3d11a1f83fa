package io.warden.packaging;

import io.warden.core.Problem;
import io.warden.core.WardenException;
import io.warden.packaging.config.WardenConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks, before any component starts, that every port Warden is configured to listen on is free,
 * so a busy port is one line naming the port and the setting to change instead of a stack trace
 * after OPA and the trace store started. Port 0 (any free port) is never checked.
 */
final class Ports {
  private Ports() {}

  /** The ports {@code config} makes Warden listen on: setting to {@code host:port}. */
  static Map<String, InetSocketAddress> configured(WardenConfig config) {
    Map<String, InetSocketAddress> out = new LinkedHashMap<>();
    out.put("http.port", InetSocketAddress.createUnresolved(config.string("http.host"), config.port("http.port")));
    out.put("console.port", InetSocketAddress.createUnresolved(config.string("http.host"), config.port("console.port")));
    out.put("otlp.grpc_port", InetSocketAddress.createUnresolved(config.string("otlp.host"), config.port("otlp.grpc_port")));
    out.put("otlp.http_port", InetSocketAddress.createUnresolved(config.string("otlp.host"), config.port("otlp.http_port")));
    if (config.string("policy.opa_url").isBlank()) {
      out.put("policy.sidecar_port", InetSocketAddress.createUnresolved("127.0.0.1", config.port("policy.sidecar_port")));
    }
    if (config.string("cluster.enabled").equals("true")) {
      out.put("cluster.port", InetSocketAddress.createUnresolved(config.string("cluster.host"), config.port("cluster.port")));
    }
    out.values().removeIf(a -> a.getPort() == 0);
    return out;
  }

  /** Throws one {@link WardenException} listing every configured port that is taken or repeated. */
  static void checkFree(WardenConfig config) {
    List<Problem> problems = new ArrayList<>();
    Map<Integer, String> seen = new LinkedHashMap<>();
    configured(config).forEach((key, address) -> {
      String other = seen.putIfAbsent(address.getPort(), key);
      if (other != null) {
        problems.add(problem(key, "port " + address.getPort() + " is also " + other + "; give each its own port"));
        return;
      }
      String busy = tryBind(address);
      if (busy != null) {
        problems.add(problem(key, busy + "; stop that program, or set " + key + " in warden.yaml or "
            + WardenConfig.envName(key) + " to another port"));
      }
    });
    if (!problems.isEmpty()) {
      throw new WardenException("conflict", problems.size() == 1 ? "cannot start: " + problems.get(0)
          : "cannot start, " + problems.size() + " ports:", problems);
    }
  }

  private static Problem problem(String key, String message) {
    return new Problem(key, 0, 0, "", message);
  }

  /** Null when Warden could listen on {@code address}, else why not, naming the setting to change. */
  private static String tryBind(InetSocketAddress address) {
    String where = address.getHostString() + ":" + address.getPort();
    InetAddress host;
    try {
      host = InetAddress.getByName(address.getHostString());
    } catch (UnknownHostException e) {
      return "host '" + address.getHostString() + "' does not resolve";
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true); // as Vert.x binds: a port in TIME_WAIT is free
      socket.bind(new InetSocketAddress(host, address.getPort()));
      return null;
    } catch (IOException e) {
      return where + " is " + (e.getMessage() != null && e.getMessage().contains("in use")
          ? "already in use by another program" : "not available (" + e.getMessage() + ")");
    }
  }
}
