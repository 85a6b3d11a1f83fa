package io.warden.executors.mcp.internal;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.warden.executors.mcp.McpServer;
import io.warden.executors.mcp.McpServers;
import io.warden.executors.mcp.McpTransport;
import io.warden.executors.mcp.McpUpstreamStatus;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MCP SDK client per upstream server. Streamable HTTP: connected on first use and dropped after
 * a failure so the next call reconnects. stdio: a supervised child process ({@link StdioUpstream}),
 * started when declared and stopped when no longer declared. Calls block: run them off the event loop.
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
  static final JsonSchemaValidator RELAY = new JsonSchemaValidator() {
    @Override
    public ValidationResponse validate(Map<String, Object> schema, Object structuredContent) {
      return ValidationResponse.asValid(null);
    }
  };

  private final Duration timeout;
  private final Clock clock;
  private final Map<String, Client> clients = new ConcurrentHashMap<>();
  private final Map<String, StdioUpstream> stdio = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "McpUpstreams_Worker");
    t.setDaemon(true);
    return t;
  });

  public Upstreams(Duration timeout, Clock clock) {
    this.timeout = timeout;
    this.clock = clock;
  }

  private record Client(URI url, McpSyncClient client) {}

  /** The SDK's JSON mapper (to turn SDK results into JSON). */
  public static McpJsonMapper json() {
    return McpJsonDefaults.getMapper();
  }

  /** Calls {@code tool} on {@code server}; throws when the server cannot be reached or answers an error. */
  public McpSchema.CallToolResult call(McpServer server, String tool, Map<String, Object> arguments,
      Map<String, Object> meta) {
    return use(server, c -> c.callTool(new McpSchema.CallToolRequest(tool, arguments, meta)));
  }

  /** The server's tools as it lists them. */
  public List<McpSchema.Tool> list(McpServer server) {
    return use(server, c -> c.listTools().tools());
  }

  private <T> T use(McpServer server, Function<McpSyncClient, T> op) {
    if (server.transport() instanceof McpTransport.Stdio s) {
      StdioUpstream u = stdio(server.name(), s);
      McpSyncClient c = u.client();
      try {
        return op.apply(c);
      } catch (McpError e) {
        throw e; // the server answered: it is alive
      } catch (RuntimeException e) {
        u.recycle(c, e);
        throw e;
      }
    }
    Client c = client(server);
    try {
      return op.apply(c.client());
    } catch (RuntimeException e) {
      drop(server.name(), c);
      throw e;
    }
  }

  private StdioUpstream stdio(String name, McpTransport.Stdio transport) {
    StdioUpstream u = stdio.get(name);
    if (u != null && u.transport().equals(transport)) {
      return u;
    }
    synchronized (this) {
      u = stdio.get(name);
      if (u != null && u.transport().equals(transport)) {
        return u;
      }
      if (u != null) {
        stdio.remove(name, u);
        StdioUpstream old = u;
        Thread.ofVirtual().start(old::close); // the declaration changed its command
      }
      u = new StdioUpstream(name, transport, timeout, scheduler, clock);
      stdio.put(name, u);
      return u;
    }
  }

  /**
   * Follows new declarations: stops stdio servers no longer declared (or declared with another
   * command or environment), starts newly declared ones, and drops HTTP clients of servers gone.
   */
  public void apply(McpServers servers) {
    for (Map.Entry<String, StdioUpstream> e : stdio.entrySet()) {
      McpServer s = servers.server(e.getKey()).orElse(null);
      if (s == null || !s.transport().equals(e.getValue().transport())) {
        if (stdio.remove(e.getKey(), e.getValue())) {
          Thread.ofVirtual().start(e.getValue()::close);
        }
      }
    }
    clients.forEach((name, c) -> {
      McpServer s = servers.server(name).orElse(null);
      if (s == null || !(s.transport() instanceof McpTransport.StreamableHttp h && h.url().equals(c.url()))) {
        drop(name, c);
      }
    });
    for (McpServer s : servers.servers()) {
      if (s.transport() instanceof McpTransport.Stdio t) {
        StdioUpstream u = stdio(s.name(), t);
        if (u.status().state().equals("idle")) {
          u.startSoon();
        }
      }
    }
  }

  /** The connection state of every declared server. */
  public List<McpUpstreamStatus> status(McpServers servers) {
    List<McpUpstreamStatus> out = new ArrayList<>();
    for (McpServer s : servers.servers()) {
      StdioUpstream u = stdio.get(s.name());
      if (u != null && u.transport().equals(s.transport())) {
        out.add(u.status());
      } else {
        Client c = clients.get(s.name());
        boolean connected = c != null && s.transport() instanceof McpTransport.StreamableHttp h && h.url().equals(c.url());
        out.add(new McpUpstreamStatus(s.name(), s.transport().toString(), connected ? "connected" : "idle", 0, 0, "",
            null, List.of()));
      }
    }
    return out;
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private Client client(McpServer server) {
    URI u = ((McpTransport.StreamableHttp) server.transport()).url();
    Client c = clients.get(server.name());
    if (c != null && c.url().equals(u)) {
      return c;
    }
    synchronized (this) {
      c = clients.get(server.name());
      if (c != null && c.url().equals(u)) {
        return c;
      }
      if (c != null) {
        drop(server.name(), c); // the declaration moved the server
      }
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
      c = new Client(u, client);
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
    scheduler.shutdownNow();
    clients.forEach(this::drop);
    stdio.values().parallelStream().forEach(StdioUpstream::close);
    stdio.clear();
  }
}
