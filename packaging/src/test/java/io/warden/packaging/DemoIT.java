package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.testing.TestPorts;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code warden demo} as the packaged launcher runs it, on free ports and a temp data directory,
 * with a few seconds of traffic: afterwards the API shows every kind of data the demo promises —
 * the agents merged through change requests and Synced, a logical trace across billing-agent and
 * ledger-agent whose delegation is verified, payments held for approval (one approved and executed,
 * one denied and an error in its trace, one still waiting),
 * costs for the three agents, ledger-agent near (not over) its daily budget, shadow evidence for
 * the candidate — and the summary says where to look. SIGTERM stops it with exit code 0.
 */
@Timeout(480)
class DemoIT extends ApplianceTestBase {

  @Test
  void demo_fillsEveryKindOfDataThroughTheRealPaths_printsWhereToLook_andStopsCleanly() throws Exception {
    warden = WardenProcess.demo(tmp.resolve("demo-data"), "--duration", "5");
    await("the demo's summary").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      String log = warden.log();
      if (log.contains("error:") || log.contains("the traffic stopped early")) {
        throw new AssertionError("the demo failed:\n" + log);
      }
      return log.contains("Warden demo is running");
    });
    String admin = warden.adminToken();
    String log = warden.log();

    // Where to look: the console on console.port, the API, a login, commands that work.
    assertThat(log).contains("Console   http://127.0.0.1:" + warden.env.get("WARDEN_CONSOLE_PORT"))
        .contains("log in as admin with token " + admin)
        .contains("API       http://127.0.0.1:" + warden.httpPort + "/api/v1")
        .contains("./warden traces search").contains("./warden approvals list").contains("./warden traces logical");

    // Governance: the ERP system and the agents came in through reviewed, merged change requests.
    JsonNode merged = warden.get(admin, "/api/v1/changes?status=merged").body().path("changes");
    assertThat(merged.toString()).contains("Declare the ERP system").contains("Add billing-agent");
    for (String agent : List.of("billing-agent", "ledger-agent", "billing-agent-v2")) {
      WardenProcess.Response a = warden.get(admin, "/api/v1/agents/" + agent);
      assertThat(a.status()).as(agent).isEqualTo(200);
      assertThat(a.body().path("status").asText()).as(agent).isEqualToIgnoringCase("synced");
    }

    // A logical trace across the delegation, backed by ledger-agent's scoped token.
    JsonNode hit = warden.get(admin, "/api/v1/traces/search?q=reconcile&agent=ledger-agent&limit=1").body()
        .path("hits").get(0);
    assertThat(hit).as("a ledger-agent span").isNotNull();
    JsonNode logical = warden.get(admin, "/api/v1/logical-traces/" + hit.path("span").path("traceId").asText()).body();
    assertThat(logical.path("intent").asText()).matches("(Pay invoice|Month-end close).*");
    assertThat(logical.path("traceIds").size()).as("the sub-agent's own trace is joined").isGreaterThanOrEqualTo(2);
    List<JsonNode> nodes = new ArrayList<>();
    logical.path("roots").forEach(r -> collect(r, nodes));
    assertThat(nodes).extracting(n -> n.path("span").path("agent").asText())
        .contains("billing-agent", "ledger-agent");
    assertThat(nodes).filteredOn(n -> n.path("span").path("agent").asText().equals("ledger-agent"))
        .isNotEmpty().allSatisfy(n -> assertThat(n.path("delegationVerified").asBoolean()).isTrue());
    assertThat(nodes).extracting(n -> n.path("span").path("operation").asText())
        .contains("invoke_agent", "chat", "execute_tool");

    // Payments over the threshold: one approved and executed once, one still waiting for a human.
    JsonNode approvals = warden.get(admin, "/api/v1/approvals?agent=billing-agent").body().path("approvals");
    List<JsonNode> pending = new ArrayList<>();
    List<JsonNode> executed = new ArrayList<>();
    List<JsonNode> denied = new ArrayList<>();
    approvals.forEach(a -> {
      switch (a.path("status").asText()) {
        case "pending" -> pending.add(a);
        case "approved" -> {
          if (a.path("execution").asText().equals("done")) {
            executed.add(a);
          }
        }
        case "denied" -> denied.add(a);
        default -> { }
      }
    });
    assertThat(pending).as(approvals.toString()).hasSize(1);
    assertThat(executed).as(approvals.toString()).isNotEmpty();
    assertThat(denied).as(approvals.toString()).isNotEmpty();
    // The refused payment is an error in billing-agent's trace.
    JsonNode errors = warden.get(admin, "/api/v1/traces/search?q=refused&agent=billing-agent&status=ERROR").body();
    assertThat(errors.path("hits").size()).as(errors.toString()).isPositive();
    assertThat(pending.getFirst().path("action_value_usd").decimalValue()).isGreaterThan(new BigDecimal("1000"));
    assertThat(pending.getFirst().path("reasons").toString()).contains("approval threshold");
    assertThat(log).contains(pending.getFirst().path("id").asText());

    // Costs for every agent, and ledger-agent's daily budget nearly (not wholly) used.
    JsonNode rows = warden.get(admin, "/api/v1/costs?group_by=agent").body().path("rows");
    for (String agent : List.of("billing-agent", "ledger-agent", "billing-agent-v2")) {
      assertThat(cost(rows, agent)).as(agent + " in " + rows).isPositive();
    }
    BigDecimal limit = warden.get(admin, "/api/v1/agents/ledger-agent").body()
        .path("descriptor").path("spec").path("budgets").path("usd_per_day").decimalValue();
    BigDecimal spent = cost(rows, "ledger-agent");
    assertThat(spent).as("ledger-agent's spending against its %s USD budget", limit)
        .isGreaterThanOrEqualTo(limit.multiply(new BigDecimal("0.9"))).isLessThan(limit);

    // Shadow evidence: the candidate's captured payments paired with the clerk's.
    JsonNode shadow = warden.get(admin, "/api/v1/agents/billing-agent-v2/shadow").body();
    assertThat(shadow.path("captured").asInt()).isPositive();
    assertThat(shadow.path("pairs").asInt()).isPositive();
    assertThat(shadow.path("agreements").asInt()).isPositive();

    // The reference agent (examples/agents/), run by the process executor, invoked by billing-agent
    // through the session router: its sessions, the router's invoke_agent span and the agent's own
    // model and tool calls under its name. (The test suite installs .tools/agents-venv.)
    assertThat(log).contains("questions to invoice-agent through the session router");
    assertThat(warden.get(admin, "/api/v1/agents/invoice-agent").body().path("status").asText())
        .isEqualToIgnoringCase("synced");
    JsonNode sessions = warden.get(admin, "/api/v1/sessions?agent=invoice-agent").body().path("sessions");
    assertThat(sessions.size()).as(sessions.toString()).isPositive();
    assertThat(sessions.toString()).contains("ap-2100-");
    JsonNode agentSpans = warden.get(admin, "/api/v1/traces/search?agent=invoice-agent&limit=200").body().path("hits");
    List<String> operations = new ArrayList<>();
    agentSpans.forEach(h -> operations.add(h.path("span").path("operation").asText()));
    assertThat(operations).as(agentSpans.toString()).contains("invoke_agent", "chat", "execute_tool");
    assertThat(cost(rows, "invoice-agent")).as("invoice-agent in " + rows).isPositive();

    // The demo never touched the user's data: everything is in the directory it was given.
    assertThat(warden.dataDir.resolve("git").resolve("warden.git")).isDirectory();

    assertThat(warden.terminate(Duration.ofSeconds(30))).hasValue(0);
    assertThat(warden.log()).contains("Warden demo stopped");
  }

  @Test
  void takenPort_isOneClearError_naming_theSetting() throws Exception {
    int port = TestPorts.free();
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      ProcessBuilder pb = new ProcessBuilder(WardenProcess.cli("demo", "--data", tmp.resolve("d").toString()))
          .directory(tmp.toFile()).redirectErrorStream(true);
      pb.environment().put("WARDEN_HTTP_PORT", Integer.toString(port));
      pb.environment().put("WARDEN_OTLP_GRPC_PORT", "0");
      pb.environment().put("WARDEN_OTLP_HTTP_PORT", "0");
      pb.environment().put("WARDEN_POLICY_SIDECAR_PORT", "0");
      Process p = pb.start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      Result r = new Result(p.waitFor(), output);
      assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
      assertThat(r.output()).contains("error: cannot start").contains("127.0.0.1:" + port).contains("http.port")
          .contains("WARDEN_HTTP_PORT");
    }
  }

  @Test
  void nonEmptyDataDirectory_isRefused() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("used"));
    Files.writeString(dir.resolve("keep.txt"), "mine");
    Result r = cli("demo", "--data", dir.toString());
    assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
    assertThat(r.output()).contains("--data " + dir + " is not empty");
    assertThat(Files.readString(dir.resolve("keep.txt"))).isEqualTo("mine");
  }

  private static void collect(JsonNode node, List<JsonNode> into) {
    into.add(node);
    node.path("children").forEach(c -> collect(c, into));
  }

  private static BigDecimal cost(JsonNode rows, String agent) {
    for (JsonNode row : rows) {
      if (row.path("key").asText().equals(agent)) {
        return row.path("totalUsd").decimalValue();
      }
    }
    return BigDecimal.ZERO;
  }
}
