package io.warden.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.warden.core.policy.DecisionInput;
import io.warden.core.policy.PolicyDecision.Outcome;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** An OPA run by someone else: used over REST, and refilled with main's policies after it restarts empty. */
@Timeout(90)
class ExternalOpaIT {

  @TempDir
  Path dir;

  private Process opa;

  private Process startOpa(int port) throws IOException {
    return new ProcessBuilder(PolicyFixtures.opa().toString(), "run", "--server", "--addr", "127.0.0.1:" + port,
        "--skip-version-check", "--log-level", "error")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("external-opa.log").toFile())
        .start();
  }

  @AfterEach
  void stopOpa() throws InterruptedException {
    if (opa != null) {
      opa.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void externalOpa_restartedEmpty_getsMainsPoliciesBack() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    opa = startOpa(port);
    DecisionInput ledgerRead = new DecisionInput("reconciliation-finance", List.of(), "tool.call",
        "mcp://gateway/ledger-read", null, Map.of(), Instant.now());
    try (PolicyEngine engine = PolicyEngine.builder()
        .setOpaBinary(PolicyFixtures.opa())
        .setExternalOpa(URI.create("http://127.0.0.1:" + port))
        .setDataDir(dir.resolve("policy"))
        .setTimeBucket(Duration.ofMillis(1))
        .setProbeInterval(Duration.ofMillis(200))
        .build()) {
      engine.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> "NOT_READY".equals(engine.health().get("state")));
      engine.mainListener().onMainChanged(PolicyFixtures.seededMain());
      assertThat(engine.decider().decide(ledgerRead).outcome()).isEqualTo(Outcome.ALLOW);
      assertThat(engine.health()).containsEntry("mode", "external").containsEntry("state", "OK");

      opa.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(engine.decider().decide(ledgerRead).reasons()).containsExactly(PolicyEngine.UNAVAILABLE));

      opa = startOpa(port); // a new, empty OPA on the same address
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
          assertThat(engine.decider().decide(ledgerRead).outcome()).isEqualTo(Outcome.ALLOW));
      assertThat(engine.health()).containsEntry("state", "OK");
    }
  }
}
