package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.warden.demo.standin.UpstreamMcpServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the end-to-end tests share: a packaged appliance per test in a temp directory, users, the
 * change-request view, and the real {@code git} and {@code warden} command lines.
 */
abstract class ApplianceTestBase {
  /** The payments agent of the MCP scenarios: two ERP tools, payments over 1,000 USD held for approval. */
  static final String PAYMENTS_AGENT = """
      apiVersion: agent.os/v1
      kind: Agent
      metadata:
        name: payments-bot
        owner: finance-platform
      spec:
        model:
          provider: anthropic
          name: claude-opus-4-7
          pinned_revision: "2026-02-14"
        tools:
          - mcp://gateway/ledger-read
          - mcp://gateway/pay-invoice
        approval:
          on_action_value_usd_gt: 1000
      """;

  @TempDir Path tmp;
  WardenProcess warden;

  @AfterEach
  void stopWarden() throws Exception {
    if (warden != null) {
      warden.close();
    }
  }

  String createUser(String admin, String name, String role, List<String> teams) throws Exception {
    WardenProcess.Response r = warden.post(admin, "/api/v1/users", Map.of("name", name, "role", role, "teams", teams));
    assertThat(r.status()).as(r.body().toString()).isEqualTo(201);
    return r.body().path("token").asText();
  }

  /** The files of a change that declares the ERP upstream at {@code url} and allows its four tools. */
  static Map<String, String> erpUpstreamFiles(URI url) {
    return Map.of(
        "tools/allowed.yaml", """
            allowed:
              - mcp://gateway/sap-invoice-read
              - mcp://gateway/ledger-read
              - mcp://gateway/email-draft
              - mcp://gateway/pay-invoice
            """,
        "mcp/erp.yaml", """
            name: erp
            url: %s
            tools:
              - name: ledger-read
                side_effects: false
                cost_usd: 0.002
              - name: pay-invoice
                cost_usd: 0.05
                value_pointer: /amount_usd
              - name: sap-invoice-read
                side_effects: false
              - name: email-draft
            """.formatted(url));
  }

  /** The official MCP SDK client, as an agent with {@code credential}, on the appliance's {@code /mcp}. */
  McpSyncClient mcpClient(String credential) {
    return McpClient.sync(HttpClientStreamableHttpTransport.builder(warden.uri("/").toString())
            .endpoint("/mcp")
            .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + credential))
            .build())
        .requestTimeout(Duration.ofSeconds(120))
        .jsonSchemaValidator(UpstreamMcpServer.NO_VALIDATION)
        .build();
  }

  JsonNode onlyOpenChange(String token) throws Exception {
    JsonNode changes = warden.get(token, "/api/v1/changes?status=open").body().path("changes");
    assertThat(changes).hasSize(1);
    return changes.get(0);
  }

  static List<String> checkStatuses(JsonNode change) {
    List<String> out = new ArrayList<>();
    change.path("checks").forEach(c -> out.add(c.path("status").asText()));
    return out;
  }

  record Result(int exitCode, String output) {}

  /** Runs the real git client in {@code dir} and asserts its exit code. */
  Result git(Path dir, int expectedExit, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("git"));
    cmd.addAll(List.of(args));
    Result r = run(dir, cmd);
    assertThat(r.exitCode()).as("git %s\n%s", String.join(" ", args), r.output()).isEqualTo(expectedExit);
    return r;
  }

  /** Runs the packaged {@code warden} CLI. */
  Result cli(String... args) throws IOException, InterruptedException {
    return run(tmp, WardenProcess.cli(args));
  }

  Result run(Path dir, List<String> cmd) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().put("GIT_TERMINAL_PROMPT", "0");
    pb.environment().put("HOME", tmp.toString());
    pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", cmd).isTrue();
    return new Result(p.exitValue(), out);
  }
}
