package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Policy end to end through {@code git push} against the packaged appliance and its real OPA
 * sidecar: a budget raise is held until an approver from the platform team approves; a failing
 * {@code opa test} in a proposed policy shows on the change with its file:line; a killed OPA is
 * restarted by the supervisor and health follows.
 */
@Timeout(300)
class PolicyFlowIT extends ApplianceTestBase {
  @Test
  void budgetRaise_needsAPlatformApprover_andOpaTestFailuresShowOnTheChange() throws Exception {
    warden = WardenProcess.start(tmp.resolve("data"));
    String admin = warden.adminToken();
    String alice = createUser(admin, "alice", "author", List.of());
    String bob = createUser(admin, "bob", "approver", List.of("security"));
    String pat = createUser(admin, "pat", "approver", List.of("platform"));

    Path work = tmp.resolve("work");
    git(tmp, 0, "clone", "-q", warden.gitUrl(alice), work.toString());
    git(work, 0, "config", "user.name", "Alice");
    git(work, 0, "config", "user.email", "alice@example.com");
    assertThat(work.resolve("policies")).isDirectory();

    // Raise the seeded agent's daily budget from 40 to 80 and push a branch.
    Path descriptor = work.resolve("agents/reconciliation-finance.yaml");
    Files.writeString(descriptor, Files.readString(descriptor).replace("usd_per_day: 40", "usd_per_day: 80"));
    git(work, 0, "commit", "-q", "-am", "Raise the finance budget");
    git(work, 0, "push", "-q", "origin", "HEAD:refs/heads/raise-budget");
    JsonNode change = onlyOpenChange(alice);
    String id = change.path("id").asText();
    assertThat(checkStatuses(change)).isNotEmpty().allMatch("PASSED"::equals);
    assertThat(change.path("requiredApprovals").toString()).contains("platform");

    // An approver from another team is not enough.
    assertThat(warden.post(bob, "/api/v1/changes/" + id + "/approve", Map.of()).status()).isEqualTo(200);
    WardenProcess.Response blocked = warden.post(bob, "/api/v1/changes/" + id + "/merge", Map.of());
    assertThat(blocked.status()).isEqualTo(409);
    assertThat(blocked.body().toString()).contains("platform");

    // The platform approver unblocks it.
    assertThat(warden.post(pat, "/api/v1/changes/" + id + "/approve", Map.of()).status()).isEqualTo(200);
    WardenProcess.Response merged = warden.post(pat, "/api/v1/changes/" + id + "/merge", Map.of());
    assertThat(merged.status()).as(merged.body().toString()).isEqualTo(200);
    assertThat(warden.get(alice, "/api/v1/agents/reconciliation-finance").body()
        .path("descriptor").path("spec").path("budgets").path("usd_per_day").asInt()).isEqualTo(80);

    // A proposed policy whose test fails: the push output and the change show OPA's file:line.
    git(work, 0, "checkout", "-q", "-b", "bad-policy", "origin/main");
    Files.writeString(work.resolve("policies/extra.rego"), """
        package warden.admission.extra

        limit := 10
        """);
    Files.writeString(work.resolve("policies/extra_test.rego"), """
        package warden.admission.extra_test

        import data.warden.admission.extra

        test_limit if {
        	extra.limit == 11
        }
        """);
    git(work, 0, "add", "policies");
    git(work, 0, "commit", "-q", "-m", "Add a policy with a failing test");
    Result pushed = git(work, 0, "push", "origin", "HEAD:refs/heads/bad-policy");
    assertThat(pushed.output()).contains("policies/extra_test.rego:");
    JsonNode bad = warden.get(alice, "/api/v1/changes?status=open").body().path("changes").get(0);
    assertThat(bad.path("checks").toString()).contains("opa-admission").contains("policies/extra_test.rego");
    assertThat(checkStatuses(bad)).contains("FAILED");
  }

  @Test
  void killedOpaSidecar_isRestarted_andHealthFollows() throws Exception {
    warden = WardenProcess.start(tmp.resolve("data"));
    assertThat(policyState()).isEqualTo("OK");
    long pid = Long.parseLong(Files.readString(tmp.resolve("data/policy/opa.pid")).trim());
    ProcessHandle opa = ProcessHandle.of(pid).orElseThrow();
    opa.destroyForcibly();
    assertThat(opa.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
      long now = Long.parseLong(Files.readString(tmp.resolve("data/policy/opa.pid")).trim());
      return now != pid && "OK".equals(policyState());
    });
    // The engine's audit events are appended off its probe thread, just after the state changes.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(warden.get(warden.adminToken(), "/api/v1/audit?limit=1000&action=policy.engine").body().toString())
            .contains("policy.engine.down").contains("policy.engine.up"));
    assertThat(warden.get(null, "/metrics").status()).isEqualTo(401);
    // The gauge reads the same polled health as /healthz, but a later poll right after the restart can
    // still report the engine settling (seen once under load): it must be up within a few polls.
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(warden.get(warden.adminToken(), "/metrics").body().asText()).contains("warden_policy_engine_up 1.0"));
  }

  private String policyState() throws Exception {
    return warden.get(null, "/healthz").body().path("policy").path("details").path("state").asText();
  }
}
