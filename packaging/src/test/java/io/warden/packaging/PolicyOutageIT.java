package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.testing.TestPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A change request opened while the policy engine is down gets an errored {@code opa-admission}
 * check and cannot merge (fail closed); once OPA is back its checks are re-run on their own and it
 * merges. {@code POST /api/v1/changes/{id}/recheck} re-runs them on demand (author or approver).
 * The OPA here is the real binary, run by the test as Warden's external OPA so the test can stop it.
 */
@Timeout(300)
class PolicyOutageIT extends ApplianceTestBase {
  private Process opa;

  @AfterEach
  void stopOpa() throws InterruptedException {
    if (opa != null) {
      opa.destroy();
      opa.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void checkErroredDuringOutage_rerunWhenOpaIsBack_thenMerges() throws Exception {
    int opaPort = TestPorts.free();
    startOpa(opaPort);
    warden = WardenProcess.start(tmp.resolve("data"), Map.of("WARDEN_POLICY_OPA_URL", "http://127.0.0.1:" + opaPort));
    String admin = warden.adminToken();
    String alice = createUser(admin, "alice", "author", List.of());
    String bob = createUser(admin, "bob", "approver", List.of("platform"));
    String vera = createUser(admin, "vera", "viewer", List.of());
    await().atMost(Duration.ofSeconds(30)).until(() -> "OK".equals(policyState()));

    // OPA goes away: admission cannot judge, so the check errors and merge is refused.
    opa.destroy();
    opa.waitFor(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> "ERROR".equals(policyState()));
    WardenProcess.Response opened = warden.post(alice, "/api/v1/changes",
        Map.of("title", "Notes for the tools", "files", Map.of("tools/notes.md", "# notes\n")));
    assertThat(opened.status()).as(opened.body().toString()).isEqualTo(201);
    String id = opened.body().path("id").asText();
    assertThat(checkStatus(alice, id, "opa-admission")).isEqualTo("ERROR");
    assertThat(warden.post(bob, "/api/v1/changes/" + id + "/approve", Map.of()).status()).isEqualTo(200);
    WardenProcess.Response refused = warden.post(bob, "/api/v1/changes/" + id + "/merge", Map.of());
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.body().path("message").asText()).contains("check 'opa-admission' error");

    // OPA is back: the errored check is re-run without anyone asking, and the change merges.
    startOpa(opaPort);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
        .until(() -> "PASSED".equals(checkStatus(alice, id, "opa-admission")));
    assertThat(checkStatuses(change(alice, id))).allMatch("PASSED"::equals);

    // On demand too: the author or an approver, not a viewer.
    assertThat(warden.post(vera, "/api/v1/changes/" + id + "/recheck", Map.of()).status()).isEqualTo(403);
    WardenProcess.Response rechecked = warden.post(alice, "/api/v1/changes/" + id + "/recheck", Map.of());
    assertThat(rechecked.status()).as(rechecked.body().toString()).isEqualTo(200);
    assertThat(checkStatuses(rechecked.body())).allMatch("PASSED"::equals);
    assertThat(rechecked.body().path("approvals")).hasSize(1);

    WardenProcess.Response merged = warden.post(bob, "/api/v1/changes/" + id + "/merge", Map.of());
    assertThat(merged.status()).as(merged.body().toString()).isEqualTo(200);
    assertThat(merged.body().path("status").asText()).isEqualTo("MERGED");
    assertThat(warden.post(alice, "/api/v1/changes/" + id + "/recheck", Map.of()).status()).isEqualTo(409);
  }

  private void startOpa(int port) throws IOException {
    Path binary = WardenProcess.root().resolve(".tools/bin/opa");
    opa = new ProcessBuilder(binary.toString(), "run", "--server", "--addr", "127.0.0.1:" + port, "--log-level", "error")
        .redirectErrorStream(true)
        .redirectOutput(tmp.resolve("opa.log").toFile())
        .start();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return true;
      } catch (IOException e) {
        return false;
      }
    });
  }

  private String policyState() throws Exception {
    return warden.get(null, "/healthz").body().path("policy").path("details").path("state").asText();
  }

  private JsonNode change(String token, String id) throws Exception {
    return warden.get(token, "/api/v1/changes/" + id).body().path("change");
  }

  private String checkStatus(String token, String id, String check) throws Exception {
    for (JsonNode c : change(token, id).path("checks")) {
      if (check.equals(c.path("check").asText())) {
        return c.path("status").asText();
      }
    }
    return "";
  }
}
