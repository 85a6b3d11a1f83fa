package io.warden.bench.gateway;

import io.warden.executors.gateway.StandInGateway;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The model gateway in a JVM of its own, as the appliance runs it, for {@link GatewayOverheadBench}:
 * its heap and its collector's pauses hold only what the gateway allocates, not the load
 * generator's or the provider's. Argument: the OpenAI base URL of the provider stand-in (in the
 * bench's process). Prints {@code ready <gateway base URL> <agent credential>}; on each input line
 * {@code stats <n>} prints {@code stats <n> <process CPU ns> <bytes allocated by all threads>};
 * exits when its input ends.
 */
public final class GatewayProcess {
  static final String AGENT = """
      apiVersion: agent.os/v1
      kind: Agent
      metadata: {name: bench-bot, owner: bench}
      spec:
        model: {provider: openai, name: gpt-4o, pinned_revision: "2024-08-06"}
        budgets: {calls_per_hour: 100000000, usd_per_day: 1000000}
      """;

  private GatewayProcess() {}

  public static void main(String[] args) throws Exception {
    var process = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Path dir = Files.createTempDirectory("warden-gateway-bench-");
    try (StandInGateway g = StandInGateway.start(dir, args[0])) {
      String key = g.addAgent("bench-bot", AGENT);
      g.keepRecords(false); // nothing kept per request beyond what the appliance keeps
      System.out.println("ready " + g.gatewayOpenAiBaseUrl() + " " + key);
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("stats ")) {
          System.out.println(line + " " + process.getProcessCpuTime() + " " + threads.getTotalThreadAllocatedBytes());
        }
      }
    }
  }
}
