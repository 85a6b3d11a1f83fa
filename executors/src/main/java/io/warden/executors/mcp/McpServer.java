package io.warden.executors.mcp;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * An upstream MCP server declared in {@code mcp/<name>.yaml}, reached over Streamable HTTP.
 *
 * @param name the server's name (the file's name without {@code .yaml})
 * @param url its Streamable HTTP endpoint, e.g. {@code https://erp.example/mcp}
 * @param tools the tools agents may call through the gateway
 * @param file the declaring file's path in the repository
 */
public record McpServer(String name, URI url, List<McpTool> tools, String file) {
  public McpServer {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(url, "url");
    tools = List.copyOf(tools);
    Objects.requireNonNull(file, "file");
  }
}
