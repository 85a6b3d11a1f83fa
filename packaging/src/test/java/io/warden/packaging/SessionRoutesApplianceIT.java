package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The session router as the packaged appliance wires it: its routes are mounted behind
 * authentication, its store is under the data directory, and what it cannot run is refused with the
 * API's error shape. (Runs against real runtimes are the adapters' tests; the router's own behaviour is
 * tested in executors and api with a stand-in runtime.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionRoutesApplianceIT {
  private static final String AGENT = """
      apiVersion: agent.os/v1
      kind: Agent
      metadata:
        name: clerk
        owner: finance-platform
      spec:
        model:
          provider: anthropic
          name: claude-opus-4-7
          pinned_revision: "2026-02-14"
        memory:
          type: session
        tools:
          - mcp://gateway/ledger-read
        budgets:
          calls_per_hour: 100
          usd_per_day: 10
      """;

  @TempDir static Path tmp;
  private WardenProcess warden;
  private String alice;
  private String vic;

  @BeforeAll
  void start() throws Exception {
    warden = WardenProcess.start(tmp.resolve("data"));
    String admin = warden.adminToken();
    alice = warden.post(admin, "/api/v1/users", Map.of("name", "alice", "role", "author")).body().path("token").asText();
    vic = warden.post(admin, "/api/v1/users", Map.of("name", "vic", "role", "viewer")).body().path("token").asText();
    String bob = warden.post(admin, "/api/v1/users", Map.of("name", "bob", "role", "approver", "teams", List.of()))
        .body().path("token").asText();
    warden.mergeChange(alice, bob, "Add clerk", Map.of("agents/clerk.yaml", AGENT));
  }

  @AfterAll
  void stop() throws Exception {
    warden.close();
  }

  @Test
  void routesAreMounted_andRefusalsAreClear() throws Exception {
    WardenProcess.Response listed = warden.get(vic, "/api/v1/sessions?agent=clerk");
    assertThat(listed.status()).as(listed.body().toString()).isEqualTo(200);
    assertThat(listed.body().path("sessions").isArray()).isTrue();
    assertThat(Files.exists(tmp.resolve("data").resolve("sessions").resolve("sessions.mv"))).isTrue();

    WardenProcess.Response unknown = warden.post(alice, "/api/v1/agents/nobot/invoke", Map.of("session_id", "s1"));
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.body().path("message").asText()).contains("no agent 'nobot'");

    WardenProcess.Response noRuntime = warden.post(alice, "/api/v1/agents/clerk/invoke", Map.of("session_id", "s1"));
    assertThat(noRuntime.status()).isEqualTo(409);
    assertThat(noRuntime.body().path("code").asText()).isEqualTo("conflict");
    assertThat(noRuntime.body().path("message").asText()).contains("agent clerk has no spec.executor");

    WardenProcess.Response byViewer = warden.post(vic, "/api/v1/agents/clerk/invoke", Map.of());
    assertThat(byViewer.status()).isEqualTo(403);
    assertThat(warden.post(alice, "/api/v1/sessions/s1/resume", Map.of()).status()).isEqualTo(404);
    assertThat(warden.get(null, "/api/v1/sessions").status()).isEqualTo(401);
  }
}
