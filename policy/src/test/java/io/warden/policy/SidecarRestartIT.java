package io.warden.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.warden.core.audit.AuditEvent;
import io.warden.core.audit.AuditLog;
import io.warden.core.change.CheckResult;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.policy.DecisionInput;
import io.warden.core.policy.PolicyDecision;
import io.warden.core.policy.PolicyDecision.Outcome;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** OPA killed mid-run: decisions fail closed fast, the supervisor restarts it, decisions are allowed again. */
@Timeout(90)
class SidecarRestartIT {

  @TempDir
  Path dir;

  private static DecisionInput ledgerRead() {
    return new DecisionInput("reconciliation-finance", List.of(), "tool.call", "mcp://gateway/ledger-read",
        null, Map.of(), Instant.now());
  }

  /**
   * While the breaker is open, decisions do not wait for OPA: 100 of them take far less than the
   * 25 s that 100 deadlines would, and the median one well under a millisecond or so.
   */
  private static void assertFastDenials(PolicyEngine engine) {
    long[] nanos = new long[100];
    for (int i = 0; i < nanos.length; i++) {
      long t0 = System.nanoTime();
      assertThat(engine.decider().decide(ledgerRead()).reasons()).containsExactly(PolicyEngine.UNAVAILABLE);
      nanos[i] = System.nanoTime() - t0;
    }
    long total = java.util.Arrays.stream(nanos).sum();
    java.util.Arrays.sort(nanos);
    assertThat(total).as("100 denials took %d µs", total / 1000).isLessThan(Duration.ofSeconds(2).toNanos());
    assertThat(nanos[50]).as("median denial %d µs", nanos[50] / 1000).isLessThan(Duration.ofMillis(5).toNanos());
  }

  /** Whether something on {@code 127.0.0.1:port} answers {@code GET /health} within 200 ms. */
  private static boolean answersHealth(int port) {
    try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(200);
      s.getOutputStream().write("GET /health HTTP/1.0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return s.getInputStream().read() >= 0;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  void hungSidecar_opensBreakerAfterDeadlinesThenIsKilledAndRestarted() throws Exception {
    try (PolicyEngine engine = PolicyEngine.builder()
        .setOpaBinary(PolicyFixtures.opa())
        .setSidecarPort(0)
        .setDataDir(dir.resolve("policy"))
        .setTimeBucket(Duration.ofMillis(1))
        .build()) {
      engine.start();
      engine.mainListener().onMainChanged(PolicyFixtures.seededMain());
      assertThat(engine.decider().decide(ledgerRead()).outcome()).isEqualTo(Outcome.ALLOW);
      long hungPid = engine.sidecarPid();

      // SIGSTOP: the process holds its port but answers nothing, like a hung OPA.
      assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(hungPid)).start().waitFor()).isZero();
      // The stop is asynchronous: start once the process no longer answers at all.
      await().atMost(Duration.ofSeconds(10)).until(() -> !answersHealth(engine.opaUrl().getPort()));

      // The window holds the one success above; two deadline misses make half of three calls failed.
      for (int i = 0; i < 2; i++) {
        long t0 = System.nanoTime();
        PolicyDecision d = engine.decider().decide(ledgerRead());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(d.reasons()).containsExactly(PolicyEngine.UNAVAILABLE);
        assertThat(ms).as("a call to a hung opa waits for the 250 ms deadline, not longer").isBetween(200L, 2_000L);
      }
      assertThat(engine.health().get("breaker")).isIn("OPEN", "FORCED_OPEN");
      assertFastDenials(engine);

      // The health probe finds it hung, kills it, and the supervisor starts a fresh one.
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(engine.decider().decide(ledgerRead()).outcome()).isEqualTo(Outcome.ALLOW));
      assertThat(engine.sidecarPid()).isPositive().isNotEqualTo(hungPid);
      assertThat(ProcessHandle.of(hungPid)).isEmpty();
    }
  }

  @Test
  void killedSidecar_deniesFastThenRestartsAndAllowsAgain() throws Exception {
    try (AuditLog audit = AuditLog.open(dir.resolve("audit.log"));
        PolicyEngine engine = PolicyEngine.builder()
            .setOpaBinary(PolicyFixtures.opa())
            .setSidecarPort(0)
            .setDataDir(dir.resolve("policy"))
            .setAudit(audit)
            // Bucket of 1 ms: no two calls share a cache entry, so every decision asks OPA.
            .setTimeBucket(Duration.ofMillis(1))
            // A restart slow enough that the down window can be observed.
            .setRestartBackoff(Duration.ofSeconds(2), Duration.ofSeconds(2))
            .build()) {
      engine.start();
      RepoSnapshot main = PolicyFixtures.seededMain();
      engine.mainListener().onMainChanged(main);
      assertThat(engine.decider().decide(ledgerRead()).outcome()).isEqualTo(Outcome.ALLOW);
      long firstPid = engine.sidecarPid();

      ProcessHandle.of(firstPid).orElseThrow().destroyForcibly();

      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        PolicyDecision d = engine.decider().decide(ledgerRead());
        assertThat(d.outcome()).isEqualTo(Outcome.DENY);
        assertThat(d.reasons()).containsExactly(PolicyEngine.UNAVAILABLE);
      });
      assertFastDenials(engine);
      assertThat(engine.health()).containsEntry("state", "ERROR").containsEntry("breaker", "FORCED_OPEN");
      CheckResult whileDown = engine.admissionCheck().run(PolicyFixtures.change(main, PolicyFixtures.edit(main,
          PolicyFixtures.AGENT_PATH, PolicyFixtures.AGENT.replace("usd_per_day: 40", "usd_per_day: 80"))));
      assertThat(whileDown.status()).isEqualTo(CheckResult.Status.ERROR);
      assertThat(whileDown.summary()).startsWith(PolicyEngine.UNAVAILABLE);

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(engine.decider().decide(ledgerRead()).outcome()).isEqualTo(Outcome.ALLOW));

      assertThat(engine.sidecarPid()).isPositive().isNotEqualTo(firstPid);
      assertThat(engine.health()).containsEntry("state", "OK").containsEntry("sidecar_starts", 2);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(audit.list(0, 10, "policy.engine.")).extracting(AuditEvent::action)
              .containsExactly("policy.engine.down", "policy.engine.up"));
      List<DecisionRecord> denied = engine.decisions().query(DecisionQuery.latest().withResult(Outcome.DENY));
      assertThat(denied).isNotEmpty().allSatisfy(r -> {
        assertThat(r.reasons()).containsExactly(PolicyEngine.UNAVAILABLE);
        assertThat(r.policyRevision()).isEmpty();
      });
    }
  }
}
