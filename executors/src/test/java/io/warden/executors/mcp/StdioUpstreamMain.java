package io.warden.executors.mcp;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import io.warden.demo.standin.UpstreamMcpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * A third-party MCP server spoken over stdio: the official SDK's server with its stdio transport, in
 * a child JVM the gateway starts from an {@code mcp/} declaration's {@code command}. Tools:
 * {@code ledger-read} (answers with its process id) and {@code pay-invoice} (appends one line per
 * execution to the file named by the first argument, so executions are counted across restarts).
 * A second argument {@code N} makes it print N long lines to stderr first (bounded-output tests).
 */
public final class StdioUpstreamMain {
  private StdioUpstreamMain() {}

  public static void main(String[] args) throws Exception {
    Path payments = Path.of(args[0]);
    int noise = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    String pad = "x".repeat(3_000);
    for (int i = 0; i < noise; i++) {
      System.err.println("noise " + i + " " + pad);
    }
    System.err.println("stdio stand-in ready, pid " + ProcessHandle.current().pid());
    long pid = ProcessHandle.current().pid();
    McpServer.sync(new StdioServerTransportProvider(McpJsonDefaults.getMapper()))
        .serverInfo("erp-stdio-standin", "1.0.0")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
        .jsonSchemaValidator(UpstreamMcpServer.NO_VALIDATION)
        .tools(
            tool("ledger-read", "{\"type\":\"object\",\"properties\":{\"account\":{\"type\":\"string\"}}}",
                req -> text("balance of " + req.arguments().get("account") + ": 100.00 USD (pid " + pid + ")")),
            tool("pay-invoice", "{\"type\":\"object\",\"properties\":{\"supplier\":{\"type\":\"string\"},"
                + "\"amount_usd\":{\"type\":\"number\"}},\"required\":[\"supplier\"],\"additionalProperties\":false}",
                req -> {
                  String line = req.arguments().get("supplier") + " " + req.arguments().get("amount_usd") + " "
                      + (req.meta() == null ? "" : req.meta().get("warden/idempotency_key")) + "\n";
                  try {
                    Files.writeString(payments, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND, StandardOpenOption.SYNC);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                  return text("paid " + req.arguments().get("amount_usd") + " USD to " + req.arguments().get("supplier")
                      + " (pid " + pid + ")");
                }))
        .build();
    new CountDownLatch(1).await(); // until Warden stops the process
  }

  private static SyncToolSpecification tool(String name, String schema,
      Function<McpSchema.CallToolRequest, McpSchema.CallToolResult> handler) {
    return SyncToolSpecification.builder()
        .tool(McpSchema.Tool.builder().name(name).description(name + " over stdio")
            .inputSchema(McpJsonDefaults.getMapper(), schema).build())
        .callHandler((exchange, req) -> handler.apply(req))
        .build();
  }

  private static McpSchema.CallToolResult text(String s) {
    return McpSchema.CallToolResult.builder().addTextContent(s).isError(false).build();
  }
}
