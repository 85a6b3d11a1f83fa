package io.warden.executors.mcp.internal;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.spec.McpSchema;
import io.warden.executors.mcp.McpServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MCP SDK client per upstream server (Streamable HTTP), connected on first use and dropped after
 * a failure so the next call reconnects. Calls block: run them off the event loop.
 *
 * <p>Internal: not public API.
 */
public final class Upstreams implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Upstreams.class);
  /**
   * Warden relays tool results unchanged; checking them against an output schema is the calling
   * agent's business. (It also keeps the SDK's default validator, built on a newer json-schema-validator
   * than the one Warden's descriptor checks use, off the classpath's critical path.)
   */
  private static final JsonSchemaValidator RELAY = new JsonSchemaValidator() {
    @Override
    public ValidationResponse validate(Map<String, Object> schema, Object structuredContent) {
      return ValidationResponse.asValid(null);
    }
  };

  private final Duration timeout;
  private final Map<String, Client> clients = new ConcurrentHashMap<>();

  public Upstreams(Duration timeout) {
    this.timeout = timeout;
  }

  private record Client(URI url, McpSyncClient client) {}

  /** The SDK's JSON mapper (to turn SDK results into JSON). */
  public static McpJsonMapper json() {
    return McpJsonDefaults.getMapper();
  }

  /** Calls {@code tool} on {@code server}; throws when the server cannot be reached or answers an error. */
  public McpSchema.CallToolResult call(McpServer server, String tool, Map<String, Object> arguments,
      Map<String, Object> meta) {
    Client c = client(server);
    try {
      return c.client().callTool(new McpSchema.CallToolRequest(tool, arguments, meta));
    } catch (RuntimeException e) {
      drop(server.name(), c);
      throw e;
    }
  }

  /** The server's tools as it lists them. */
  public List<McpSchema.Tool> list(McpServer server) {
    Client c = client(server);
    try {
      return c.client().listTools().tools();
    } catch (RuntimeException e) {
      drop(server.name(), c);
      throw e;
    }
  }

  private Client client(McpServer server) {
    Client c = clients.get(server.name());
    if (c != null && c.url().equals(server.url())) {
      return c;
    }
    synchronized (this) {
      c = clients.get(server.name());
      if (c != null && c.url().equals(server.url())) {
        return c;
      }
      if (c != null) {
        drop(server.name(), c); // the declaration moved the server
      }
      URI u = server.url();
      String base = u.getScheme() + "://" + u.getRawAuthority();
      String endpoint = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
          + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
      HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(base)
          .endpoint(endpoint).connectTimeout(Duration.ofSeconds(10)).build();
      McpSyncClient client = McpClient.sync(transport).requestTimeout(timeout).initializationTimeout(timeout)
          .clientInfo(new McpSchema.Implementation("warden-mcp-gateway", "0.1.0"))
          .jsonSchemaValidator(RELAY).build();
      try {
        client.initialize();
      } catch (RuntimeException e) {
        client.close();
        throw e;
      }
      c = new Client(server.url(), client);
      clients.put(server.name(), c);
      return c;
    }
  }

  private void drop(String name, Client c) {
    if (clients.remove(name, c)) {
      try {
        c.client().close();
      } catch (RuntimeException e) {
        LOG.debug("closing the client of upstream {} failed", name, e);
      }
    }
  }

  @Override
  public void close() {
    clients.forEach(this::drop);
  }
}
