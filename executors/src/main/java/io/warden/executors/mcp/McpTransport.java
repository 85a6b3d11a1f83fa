package io.warden.executors.mcp;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How Warden reaches an upstream MCP server: a Streamable HTTP endpoint ({@code url:} in
 * {@code mcp/<server>.yaml}), or a stdio command Warden starts and supervises ({@code command:}).
 */
public sealed interface McpTransport permits McpTransport.StreamableHttp, McpTransport.Stdio {

  /** A server reached at {@code url} over MCP's Streamable HTTP transport. */
  static StreamableHttp http(URI url) {
    return new StreamableHttp(url);
  }

  /** A server Warden runs as {@code command} (program and arguments), speaking MCP on its stdin/stdout. */
  static Stdio stdio(List<String> command, Map<String, String> env) {
    return new Stdio(command, env);
  }

  /**
   * A Streamable HTTP endpoint.
   *
   * @param url e.g. {@code https://erp.internal/mcp}
   */
  record StreamableHttp(URI url) implements McpTransport {
    public StreamableHttp {
      Objects.requireNonNull(url, "url");
    }

    @Override
    public String toString() {
      return url.toString();
    }
  }

  /**
   * A child process Warden starts, restarts with back-off when it exits, and stops when the
   * declaration goes away or Warden stops.
   *
   * @param command the program and its arguments, never run through a shell
   * @param env variables added to Warden's own environment for the process
   */
  record Stdio(List<String> command, Map<String, String> env) implements McpTransport {
    public Stdio {
      command = List.copyOf(command);
      if (command.isEmpty() || command.getFirst().isBlank()) {
        throw new IllegalArgumentException("command must name a program, got " + command);
      }
      env = Map.copyOf(env);
    }

    /** {@code stdio: <command>}; the environment's values are not shown. */
    @Override
    public String toString() {
      return "stdio: " + String.join(" ", command);
    }
  }
}
