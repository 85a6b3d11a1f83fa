package io.warden.executors.mcp;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.warden.demo.standin.UpstreamMcpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A quick latency measurement, not a test (its name keeps it out of the default run): the same
 * allowed {@code tools/call} from the SDK client straight to the upstream and through the gateway
 * (authentication, policy, budget, audit and span included), one at a time, in one run. Run with
 * {@code -Dtest=McpLatencyMeasurement}; prints p50/p99.
 */
class McpLatencyMeasurement {
  private static final int WARMUP = 100; // warm-up plus runs stay under the agent's 1,000 calls per hour
  private static final int RUNS = 800;

  @Test
  void addedLatency() throws Exception {
    Path dir = Files.createTempDirectory("mcp-latency");
    try (McpFixture f = new McpFixture(dir)) {
      McpSyncClient direct = McpClient.sync(HttpClientStreamableHttpTransport
              .builder("http://127.0.0.1:" + f.upstream.url().getPort()).endpoint("/mcp").build())
          .jsonSchemaValidator(UpstreamMcpServer.NO_VALIDATION).requestTimeout(Duration.ofSeconds(30)).build();
      direct.initialize();
      McpSyncClient gateway = f.client();
      McpSchema.CallToolRequest read = new McpSchema.CallToolRequest("ledger-read", Map.of("account", "4711"));
      long[] d = measure(direct, read);
      long[] g = measure(gateway, read);
      System.out.printf("direct  p50 %.3f ms  p99 %.3f ms%n", d[RUNS / 2] / 1e6, d[RUNS * 99 / 100] / 1e6);
      System.out.printf("gateway p50 %.3f ms  p99 %.3f ms%n", g[RUNS / 2] / 1e6, g[RUNS * 99 / 100] / 1e6);
      System.out.printf("added   p50 %.3f ms  p99 %.3f ms%n", (g[RUNS / 2] - d[RUNS / 2]) / 1e6,
          (g[RUNS * 99 / 100] - d[RUNS * 99 / 100]) / 1e6);
      direct.close();
      gateway.close();
    }
  }

  private static long[] measure(McpSyncClient client, McpSchema.CallToolRequest req) {
    for (int i = 0; i < WARMUP; i++) {
      check(client.callTool(req));
    }
    long[] out = new long[RUNS];
    for (int i = 0; i < RUNS; i++) {
      long t = System.nanoTime();
      check(client.callTool(req));
      out[i] = System.nanoTime() - t;
    }
    Arrays.sort(out);
    return out;
  }

  private static void check(McpSchema.CallToolResult r) {
    if (Boolean.TRUE.equals(r.isError())) {
      throw new IllegalStateException(r.toString());
    }
  }
}
