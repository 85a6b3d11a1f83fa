package io.warden.demo.standin;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A third-party system that speaks real MCP: the official SDK's server with its Streamable HTTP
 * servlet transport on an embedded Jetty, on an OS-chosen port. Tools: {@code ledger-read} (no side
 * effects), {@code pay-invoice} (counts its executions) and {@code admin-reset} (never in a test
 * agent's spec.tools). Used by the MCP gateway tests and, as the ERP system, by {@code warden demo}.
 */
public final class UpstreamMcpServer implements AutoCloseable {
  /** Accepts every value: the test upstream does not check schemas. */
  public static final JsonSchemaValidator NO_VALIDATION = (schema, content) ->
      JsonSchemaValidator.ValidationResponse.asValid(null);

  public final AtomicInteger payments = new AtomicInteger();
  public final AtomicInteger reads = new AtomicInteger();
  public final Queue<Map<String, Object>> paymentMeta = new ConcurrentLinkedQueue<>();
  private final Server jetty;
  private final McpSyncServer mcp;

  public UpstreamMcpServer() throws Exception {
    HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
        .mcpEndpoint("/mcp").build();
    var json = McpJsonDefaults.getMapper();
    mcp = McpServer.sync(transport)
        .serverInfo("erp-standin", "1.0.0")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
        .jsonSchemaValidator(NO_VALIDATION)
        .tools(
            tool("ledger-read", "Reads the ledger balance of an account.",
                "{\"type\":\"object\",\"properties\":{\"account\":{\"type\":\"string\"}}}", req -> {
                  reads.incrementAndGet();
                  return text("balance of " + req.arguments().get("account") + ": 100.00 USD");
                }),
            tool("pay-invoice", "Pays a supplier invoice.",
                "{\"type\":\"object\",\"properties\":{\"supplier\":{\"type\":\"string\"},"
                    + "\"amount_usd\":{\"type\":\"number\"}},\"required\":[\"supplier\"],"
                    + "\"additionalProperties\":false}", req -> {
                  payments.incrementAndGet();
                  paymentMeta.add(req.meta() == null ? Map.of() : req.meta());
                  return text("paid " + req.arguments().get("amount_usd") + " USD to " + req.arguments().get("supplier"));
                }),
            tool("admin-reset", "Resets everything.", "{\"type\":\"object\"}", req -> text("reset")))
        .build();
    jetty = new Server(new InetSocketAddress("127.0.0.1", 0));
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(new ServletHolder(transport), "/*");
    jetty.setHandler(context);
    jetty.start();
  }

  /** Replaces pay-invoice's input schema, as an upstream's new release would. */
  public void redeclarePayInvoice(String schema) {
    mcp.removeTool("pay-invoice");
    mcp.addTool(tool("pay-invoice", "Pays a supplier invoice.", schema, req -> {
      payments.incrementAndGet();
      return text("paid " + req.arguments().get("amount_usd") + " USD to " + req.arguments().get("supplier"));
    }));
  }

  private static SyncToolSpecification tool(String name, String description, String schema,
      java.util.function.Function<McpSchema.CallToolRequest, McpSchema.CallToolResult> handler) {
    return SyncToolSpecification.builder()
        .tool(McpSchema.Tool.builder().name(name).description(description)
            .inputSchema(McpJsonDefaults.getMapper(), schema).build())
        .callHandler((exchange, req) -> handler.apply(req))
        .build();
  }

  private static McpSchema.CallToolResult text(String s) {
    return McpSchema.CallToolResult.builder().addTextContent(s).isError(false).build();
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + ((ServerConnector) jetty.getConnectors()[0]).getLocalPort() + "/mcp");
  }

  @Override
  public void close() throws Exception {
    mcp.closeGracefully();
    jetty.stop();
  }
}
