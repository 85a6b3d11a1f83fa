package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agent identity and the REST change path against the packaged appliance: agent credentials cannot
 * act as users, scoped tokens only narrow, delegation follows {@code spec.delegates}, revocation is
 * immediate, and bad change requests are refused whole.
 */
@Timeout(300)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdentityAndApiIT {
  private static final String ORCHESTRATOR = """
      apiVersion: agent.os/v1
      kind: Agent
      metadata:
        name: orchestrator
        owner: finance-platform
      spec:
        model:
          provider: anthropic
          name: claude-opus-4-7
          pinned_revision: "2026-02-14"
        tools:
          - mcp://gateway/ledger-read
        delegates:
          - reconciliation-finance
      """;

  @TempDir static Path tmp;
  private WardenProcess warden;
  private String admin;
  private String alice;
  private String bob;

  @BeforeAll
  void start() throws Exception {
    warden = WardenProcess.start(tmp.resolve("data"));
    admin = warden.adminToken();
    alice = warden.post(admin, "/api/v1/users", Map.of("name", "alice", "role", "author")).body().path("token").asText();
    bob = warden.post(admin, "/api/v1/users", Map.of("name", "bob", "role", "approver", "teams", List.of("platform")))
        .body().path("token").asText();
    // Add the orchestrator through the REST change path: open, approve, merge.
    warden.mergeChange(alice, bob, "Add orchestrator", Map.of("agents/orchestrator.yaml", ORCHESTRATOR));
  }

  @AfterAll
  void stop() throws Exception {
    warden.close();
  }

  @Test
  void agentCredential_cannotActAsUser() throws Exception {
    String cred = issue("reconciliation-finance");
    assertThat(warden.get(cred, "/api/v1/agents").status()).isEqualTo(403);
    assertThat(warden.post(cred, "/api/v1/changes", Map.of("title", "x", "files", Map.of("README.md", "x"))).status())
        .isEqualTo(403);
    JsonNode me = warden.get(cred, "/api/v1/whoami").body();
    assertThat(me.path("kind").asText()).isEqualTo("agent");
    assertThat(me.path("name").asText()).isEqualTo("reconciliation-finance");
  }

  @Test
  void scopedToken_narrowsAndNeverWidens() throws Exception {
    String cred = issue("reconciliation-finance");
    WardenProcess.Response narrow = warden.post(cred, "/api/v1/tokens",
        Map.of("session", "s-1", "tools", List.of("mcp://gateway/ledger-read"), "ttl_seconds", 60));
    assertThat(narrow.status()).as(narrow.body().toString()).isEqualTo(201);
    String token = narrow.body().path("token").asText();
    JsonNode me = warden.get(token, "/api/v1/whoami").body();
    assertThat(me.path("scope").path("session").asText()).isEqualTo("s-1");
    assertThat(me.path("scope").path("tools")).extracting(JsonNode::asText).containsExactly("mcp://gateway/ledger-read");

    // A usd budget above the agent's budgets.usd_per_day (40) is capped at it, and the answer says so.
    WardenProcess.Response capped = warden.post(cred, "/api/v1/tokens",
        Map.of("session", "s-1", "tools", List.of("mcp://gateway/ledger-read"), "usd_budget", 99999));
    assertThat(capped.status()).as(capped.body().toString()).isEqualTo(201);
    assertThat(capped.body().path("usd_budget").decimalValue()).isEqualByComparingTo("40");
    assertThat(capped.body().path("usd_budget_capped").asBoolean()).isTrue();
    assertThat(capped.body().path("note").asText()).contains("capped from 99999 to 40");

    // A tool the agent does not have, or a wider token from a narrow one, is refused.
    assertThat(warden.post(cred, "/api/v1/tokens",
        Map.of("session", "s-1", "tools", List.of("mcp://gateway/wire-transfer"))).status()).isEqualTo(403);
    assertThat(warden.post(token, "/api/v1/tokens",
        Map.of("session", "s-1", "tools", List.of("mcp://gateway/email-draft"))).status()).isEqualTo(403);
    // Not a delegate of reconciliation-finance.
    assertThat(warden.post(cred, "/api/v1/tokens", Map.of("session", "s-1", "agent", "orchestrator")).status())
        .isEqualTo(403);
  }

  @Test
  void delegation_carriesTheChain_andRevocationIsImmediate() throws Exception {
    String cred = issue("orchestrator");
    WardenProcess.Response delegated = warden.post(cred, "/api/v1/tokens", Map.of("session", "task-9",
        "agent", "reconciliation-finance", "tools", List.of("mcp://gateway/ledger-read")));
    assertThat(delegated.status()).as(delegated.body().toString()).isEqualTo(201);
    String subToken = delegated.body().path("token").asText();
    JsonNode me = warden.get(subToken, "/api/v1/whoami").body();
    assertThat(me.path("name").asText()).isEqualTo("reconciliation-finance");
    assertThat(me.path("scope").path("delegationChain")).extracting(JsonNode::asText)
        .containsExactly("orchestrator", "reconciliation-finance");

    // Revoking the orchestrator's credential kills it and every token minted from it.
    String credId = warden.get(admin, "/api/v1/agents/orchestrator").body().path("credentials").get(0).path("id").asText();
    WardenProcess.Response revoked = warden.send("DELETE", admin, "/api/v1/agents/orchestrator/credentials/" + credId);
    assertThat(revoked.status()).as(revoked.body().toString()).isEqualTo(200);
    assertThat(warden.get(cred, "/api/v1/whoami").status()).isEqualTo(401);
    assertThat(warden.get(subToken, "/api/v1/whoami").status()).isEqualTo(401);
  }

  @Test
  void badChangeRequests_areRefusedWhole() throws Exception {
    int before = warden.get(alice, "/api/v1/changes").body().path("changes").size();
    for (String path : List.of("../etc/passwd", "/agents/x.yaml", "agents/../../x.yaml", ".git/config")) {
      WardenProcess.Response r = warden.post(alice, "/api/v1/changes", Map.of("title", "t", "files", Map.of(path, "x")));
      assertThat(r.status()).as(path + " " + r.body()).isEqualTo(400);
      assertThat(r.body().path("message").asText()).isNotBlank();
    }
    WardenProcess.Response huge = warden.post(alice, "/api/v1/changes",
        Map.of("title", "t", "files", Map.of("agents/huge.yaml", "#".repeat((1 << 20) + 1))));
    assertThat(huge.status()).isIn(400, 413);
    assertThat(warden.post(alice, "/api/v1/changes", Map.of("title", "t")).status()).isEqualTo(400);
    assertThat(warden.get(alice, "/api/v1/changes").body().path("changes").size()).isEqualTo(before);
  }

  @Test
  void rollback_opensAChangeRestoringAnEarlierRevision() throws Exception {
    JsonNode history = warden.get(alice, "/api/v1/agents/reconciliation-finance").body().path("history");
    assertThat(history).isNotEmpty();
    String revision = history.get(history.size() - 1).path("commit").asText();
    WardenProcess.Response r = warden.post(alice, "/api/v1/agents/reconciliation-finance/rollback", Map.of("revision", revision));
    // Restoring the current content is refused as a no-op, or opens a change: either way it is explicit.
    assertThat(r.status()).as(r.body().toString()).isIn(201, 400, 409);
    assertThat(warden.post(alice, "/api/v1/agents/reconciliation-finance/rollback", Map.of("revision", "0000000")).status())
        .isIn(400, 404);
  }

  private String issue(String agent) throws Exception {
    WardenProcess.Response r = warden.post(admin, "/api/v1/agents/" + agent + "/credentials", Map.of());
    assertThat(r.status()).as(r.body().toString()).isEqualTo(201);
    String secret = r.body().path("credential").asText();
    assertThat(secret).startsWith("wdn_a_");
    return secret;
  }
}
