package io.warden.executors.mcp;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * An upstream MCP server declared in {@code mcp/<name>.yaml}.
 *
 * @param name the server's name (the file's name without {@code .yaml})
 * @param transport how Warden reaches it: a Streamable HTTP URL or a stdio command
 * @param tools the tools agents may call through the gateway
 * @param file the declaring file's path in the repository
 */
public record McpServer(String name, McpTransport transport, List<McpTool> tools, String file) {
  public McpServer {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(transport, "transport");
    tools = List.copyOf(tools);
    Objects.requireNonNull(file, "file");
  }

  /** A server reached over Streamable HTTP at {@code url}. */
  public McpServer(String name, URI url, List<McpTool> tools, String file) {
    this(name, McpTransport.http(url), tools, file);
  }
}
