package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The foundation end to end, as a platform team uses it: the real {@code git} client against the
 * packaged appliance in its own JVM. Push to main is refused; a pushed branch becomes a change
 * request whose failed check names file:line:col; the fix passes; the author cannot approve their
 * own change; an approver approves and merges; the agent is Synced. Then kill -9, restart, and find
 * everything; then tamper with the audit log and see {@code warden audit verify} fail.
 */
@Timeout(300)
class GitFlowIT extends ApplianceTestBase {
  private static final String BAD_AGENT = """
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
        budgets:
          calls_per_hour: 100
          usd_per_day: -5
      """;

  @Test
  void pushReviewMergeRestartAndAudit() throws Exception {
    Path data = tmp.resolve("data");
    warden = WardenProcess.start(data);
    String admin = warden.adminToken();
    assertThat(Files.getPosixFilePermissions(data.resolve("admin-token")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");

    // Every API call needs a token; a wrong one is 401.
    assertThat(warden.get(null, "/api/v1/agents").status()).isEqualTo(401);
    assertThat(warden.get("wdn_u_nope_nope", "/api/v1/agents").status()).isEqualTo(401);

    String alice = createUser(admin, "alice", "author", List.of());
    String bob = createUser(admin, "bob", "approver", List.of("platform"));
    String carol = createUser(admin, "carol", "viewer", List.of());
    // Wrong role is 403.
    assertThat(warden.post(carol, "/api/v1/users", Map.of("name", "eve", "role", "admin")).status()).isEqualTo(403);
    assertThat(warden.post(alice, "/api/v1/changes/1/approve", Map.of()).status()).isEqualTo(403);

    // Clone with the real git client: the seeded descriptor is there.
    Path work = tmp.resolve("work");
    git(tmp, 0, "clone", warden.gitUrl(alice), work.toString());
    assertThat(work.resolve("agents/reconciliation-finance.yaml")).exists();
    git(work, 0, "config", "user.name", "Alice");
    git(work, 0, "config", "user.email", "alice@example.com");

    Files.writeString(work.resolve("agents/payments-bot.yaml"), BAD_AGENT);
    git(work, 0, "add", "agents/payments-bot.yaml");
    git(work, 0, "commit", "-q", "-m", "Add payments-bot");

    // main is protected.
    Result refused = git(work, 1, "push", "origin", "HEAD:main");
    assertThat(refused.output()).contains("main is protected");

    // A branch opens a change request; its failed check names file:line:col and the field.
    Result pushed = git(work, 0, "push", "origin", "HEAD:refs/heads/add-payments-bot");
    assertThat(pushed.output()).contains("change request").contains("agents/payments-bot.yaml:13:");
    JsonNode change = onlyOpenChange(alice);
    String id = change.path("id").asText();
    assertThat(failedProblems(change)).anySatisfy(p -> {
      assertThat(p.path("file").asText()).isEqualTo("agents/payments-bot.yaml");
      assertThat(p.path("line").asInt()).isEqualTo(13);
      assertThat(p.path("column").asInt()).isPositive();
      assertThat(p.path("field").asText()).isEqualTo("spec.budgets.usd_per_day");
    });
    // Not mergeable while a check fails.
    assertThat(warden.post(bob, "/api/v1/changes/" + id + "/merge", Map.of()).status()).isIn(400, 409);

    // Fix, push again: checks pass on the new head.
    Files.writeString(work.resolve("agents/payments-bot.yaml"), BAD_AGENT.replace("usd_per_day: -5", "usd_per_day: 25"));
    git(work, 0, "commit", "-q", "-am", "Fix the budget");
    Result fixed = git(work, 0, "push", "origin", "HEAD:refs/heads/add-payments-bot");
    assertThat(fixed.output()).contains("change request");
    change = warden.get(alice, "/api/v1/changes/" + id).body().path("change");
    assertThat(failedProblems(change)).isEmpty();
    assertThat(checkStatuses(change)).isNotEmpty().allMatch("PASSED"::equals);

    // The author cannot approve their own change; bob can, then merges.
    assertThat(warden.post(alice, "/api/v1/changes/" + id + "/approve", Map.of()).status()).isEqualTo(403);
    assertThat(warden.post(bob, "/api/v1/changes/" + id + "/approve", Map.of()).status()).isEqualTo(200);
    WardenProcess.Response merged = warden.post(bob, "/api/v1/changes/" + id + "/merge", Map.of());
    assertThat(merged.status()).as(merged.body().toString()).isEqualTo(200);
    assertThat(merged.body().path("status").asText()).isEqualTo("MERGED");

    JsonNode agent = warden.get(carol, "/api/v1/agents/payments-bot").body();
    assertThat(agent.path("status").asText()).isEqualTo("SYNCED");
    assertThat(agent.path("history")).isNotEmpty();

    // kill -9 and restart: everything is still there.
    warden.kill();
    warden.launch();
    assertThat(warden.get(carol, "/api/v1/agents/payments-bot").body().path("status").asText()).isEqualTo("SYNCED");
    assertThat(warden.get(alice, "/api/v1/changes/" + id).body().path("change").path("status").asText()).isEqualTo("MERGED");
    git(work, 0, "pull", "-q", "origin", "main");
    assertThat(Files.readString(work.resolve("agents/payments-bot.yaml"))).contains("usd_per_day: 25");
    JsonNode events = warden.get(admin, "/api/v1/audit?limit=1000").body().path("events");
    List<String> actions = new ArrayList<>();
    events.forEach(e -> actions.add(e.path("action").asText()));
    assertThat(actions).contains("user.create", "change.approve", "change.merge", "auth.failure");

    // The audit chain verifies offline, and a tampered entry is caught at its line.
    warden.close();
    assertThat(cli("audit", "verify", "--data", data.toString()).exitCode()).isZero();
    Path auditFile = data.resolve("audit/audit.log");
    List<String> lines = Files.readAllLines(auditFile, StandardCharsets.UTF_8);
    int tampered = -1;
    for (int i = 0; i < lines.size() && tampered < 0; i++) {
      if (lines.get(i).contains("\"user.create\"")) {
        tampered = i;
      }
    }
    assertThat(tampered).as("a user.create entry in the audit log").isNotNegative();
    lines.set(tampered, lines.get(tampered).replace("\"user.create\"", "\"user.delete\""));
    Files.write(auditFile, lines, StandardCharsets.UTF_8);
    Result verify = cli("audit", "verify", "--data", data.toString());
    assertThat(verify.exitCode()).as(verify.output()).isEqualTo(1);
    assertThat(verify.output()).contains("audit.log:" + (tampered + 1) + ":");
  }

  private static List<JsonNode> failedProblems(JsonNode change) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode check : change.path("checks")) {
      if (!"PASSED".equals(check.path("status").asText())) {
        check.path("problems").forEach(out::add);
      }
    }
    return out;
  }
}
