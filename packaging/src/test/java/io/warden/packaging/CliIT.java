package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The CLI's server commands as the launcher starts them: on the short client class path, reaching
 * the server on the configured port (no --server, no WARDEN_URL) with the admin token from the
 * data directory; agent credentials; the change summary and --json; errors that name commands.
 */
@Timeout(300)
class CliIT extends ApplianceTestBase {

  @Test
  void everyCommandsHelp_worksOnTheClientClassPath() throws Exception {
    Path testClasses = Path.of(System.getProperty("warden.lib")).resolveSibling("test-classes");
    Result r = run(tmp, WardenProcess.clientJava(List.of(testClasses.toString()), "io.warden.packaging.cli.HelpTree"));
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("ok   warden agents credentials revoke --help", "ok   warden changes recheck -h");
  }

  @Test
  void serverCommands_useTheConfiguredPort_credentials_changeSummary() throws Exception {
    warden = WardenProcess.start(tmp.resolve("data"));
    String admin = warden.adminToken();

    Result created = client("agents", "credentials", "create", "reconciliation-finance");
    assertThat(created.exitCode()).as(created.output()).isZero();
    Matcher m = Pattern.compile("issued credential (\\S+) for agent 'reconciliation-finance'\\. Credential \\(shown once\\):\\n(\\S+)")
        .matcher(created.output());
    assertThat(m.find()).as(created.output()).isTrue();
    String id = m.group(1);
    String secret = m.group(2);
    assertThat(warden.post(secret, "/api/v1/tokens", Map.of("session", "s1", "ttl_seconds", 60)).status()).isEqualTo(201);

    // token mint --parent names the delegating span: the token carries it as a delegation hop.
    Result minted = client("token", "mint", "--token", secret, "--session", "s1", "--ttl", "60",
        "--parent", "4BF92F3577B34DA6A3CE929D0E0E4736:00f067aa0ba902b7");
    assertThat(minted.exitCode()).as(minted.output()).isZero();
    String token = minted.output().strip().lines().reduce((a, b) -> b).orElseThrow();
    Result whoami = client("token", "whoami", "--token", token);
    assertThat(whoami.output()).as(whoami.output())
        .contains("\"reconciliation-finance\"", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    Result badParent = client("token", "mint", "--token", secret, "--session", "s1", "--parent", "4bf92f35:00f067aa");
    assertThat(badParent.exitCode()).isEqualTo(2);
    assertThat(badParent.output()).contains("--parent must be TRACE_ID:SPAN_ID", "32 hex digits", "16 hex digits");

    Result listed = client("agents", "credentials", "list", "reconciliation-finance");
    assertThat(listed.output()).containsPattern("(?m)^" + Pattern.quote(id) + "\\s+\\S+\\s+-$");
    Result revoked = client("agents", "credentials", "revoke", "reconciliation-finance", id);
    assertThat(revoked.output()).as(revoked.output()).contains("revoked credential " + id);
    assertThat(client("agents", "credentials", "list", "reconciliation-finance").output())
        .doesNotContainPattern("(?m)^" + Pattern.quote(id) + "\\s+\\S+\\s+-$");
    assertThat(warden.post(secret, "/api/v1/tokens", Map.of("session", "s1", "ttl_seconds", 60)).status()).isEqualTo(401);

    WardenProcess.Response opened = warden.post(admin, "/api/v1/changes", Map.of("title", "Add payments-bot", "files",
        Map.of("agents/payments-bot.yaml", """
            apiVersion: agent.os/v1
            kind: Agent
            metadata:
              name: payments-bot
              owner: finance-platform
            spec:
              model: {provider: anthropic, name: claude-opus-4-7, pinned_revision: "2026-02-14"}
              budgets: {calls_per_hour: 100, usd_per_day: -5}
            """)));
    String change = opened.body().path("id").asText();
    Result show = client("changes", "show", change);
    assertThat(show.exitCode()).as(show.output()).isZero();
    assertThat(show.output()).contains("change request #" + change + ": Add payments-bot", "status   open",
        "FAILED  schema", "agents/payments-bot.yaml:8:", "spec.budgets.usd_per_day",
        "0 of 1 from a user with role approver", "not mergeable yet");
    assertThat(show.output()).doesNotContain("\"checks\"");
    Result json = client("changes", "show", change, "--json");
    JsonNode body = WardenProcess.JSON.readTree(json.output());
    assertThat(body.path("change").path("id").asText()).isEqualTo(change);

    Result missing = client("agents", "show", "no-such-agent");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.output()).contains("warden agents list").doesNotContain("/api/v1");
  }

  /** A client command with the appliance's settings in the environment and nothing saying where it is. */
  private Result client(String... args) throws Exception {
    Map<String, String> env = new HashMap<>(warden.env);
    ProcessBuilder pb = new ProcessBuilder(WardenProcess.clientCli(args)).directory(tmp.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("WARDEN_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }
}
