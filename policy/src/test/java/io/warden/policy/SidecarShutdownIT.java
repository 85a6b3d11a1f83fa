package io.warden.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.warden.core.audit.AuditEvent;
import io.warden.core.audit.AuditLog;
import io.warden.core.policy.DecisionInput;
import io.warden.core.policy.PolicyDecision.Outcome;
import io.warden.testing.LogCapture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar stops in order and quietly (no restart, no "down" log or audit event, no stack
 * trace), a busy port fails the start at once in one line, and opa.log holds real events only.
 */
@Timeout(60)
class SidecarShutdownIT {

  @TempDir
  Path dir;

  private PolicyEngine engine(int port, AuditLog audit) {
    PolicyEngineBuilder b = PolicyEngine.builder()
        .setOpaBinary(PolicyFixtures.opa())
        .setSidecarPort(port)
        .setDataDir(dir.resolve("policy"));
    return audit == null ? b.build() : b.setAudit(audit).build();
  }

  private static DecisionInput ledgerRead() {
    return new DecisionInput("reconciliation-finance", List.of(), "tool.call", "mcp://gateway/ledger-read",
        null, Map.of(), Instant.now());
  }

  @Test
  void sidecar_runsInItsOwnSession_soTheTerminalsCtrlCReachesOnlyWarden() throws Exception {
    try (PolicyEngine engine = engine(0, null)) {
      engine.start();

      assertThat(sessionOf(engine.sidecarPid())).isNotEqualTo(sessionOf(ProcessHandle.current().pid()));
    }
  }

  @Test
  void close_afterOpaExitedFromASignalToTheGroup_neitherRestartsNorReportsDown() throws Exception {
    try (AuditLog audit = AuditLog.open(dir.resolve("audit.log"));
        LogCapture logs = LogCapture.of("io.warden.policy")) {
      PolicyEngine engine = engine(0, audit);
      engine.start();
      engine.mainListener().onMainChanged(PolicyFixtures.seededMain());
      assertThat(engine.decider().decide(ledgerRead()).outcome()).isEqualTo(Outcome.ALLOW);
      ProcessHandle opa = ProcessHandle.of(engine.sidecarPid()).orElseThrow();

      // What a Ctrl-C without setsid does: OPA gets SIGINT and exits just before Warden stops.
      assertThat(new ProcessBuilder("kill", "-INT", Long.toString(opa.pid())).start().waitFor()).isZero();
      opa.onExit().get(10, TimeUnit.SECONDS);
      engine.close();

      assertThat(engine.health()).containsEntry("sidecar_starts", 1).containsEntry("sidecar_pid", -1L);
      assertThat(logs.lines()).noneMatch(l -> l.startsWith("WARN") || l.startsWith("ERROR"));
      assertThat(audit.list(0, 10, "policy.engine.")).extracting(AuditEvent::action).isEmpty();
    }
  }

  @Test
  void close_whileRunning_stopsOpaQuietly() throws Exception {
    try (AuditLog audit = AuditLog.open(dir.resolve("audit.log"));
        LogCapture logs = LogCapture.of("io.warden.policy")) {
      PolicyEngine engine = engine(0, audit);
      engine.start();
      engine.mainListener().onMainChanged(PolicyFixtures.seededMain());
      long pid = engine.sidecarPid();

      engine.close();

      assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
      assertThat(engine.health()).containsEntry("sidecar_starts", 1);
      assertThat(logs.lines()).noneMatch(l -> l.startsWith("WARN") || l.startsWith("ERROR"));
      assertThat(audit.list(0, 10, "policy.engine.")).isEmpty();
    }
  }

  /** The real thing: SIGINT to the whole process group of a Warden-like JVM, as a terminal's Ctrl-C. */
  @Test
  void ctrlC_toTheProcessGroup_stopsInOrderWithoutRestartOrStackTrace() throws Exception {
    Path out = dir.resolve("child.out");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // setsid: the child leads a process group of its own, which the test can signal whole.
    Process child = new ProcessBuilder("setsid", java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        SidecarShutdownChild.class.getName(), PolicyFixtures.opa().toString(), dir.toString())
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(out).contains("ready ") || !child.isAlive());
      String ready = Files.readString(out).lines().filter(l -> l.startsWith("ready ")).findFirst().orElseThrow();
      long opaPid = Long.parseLong(ready.substring("ready ".length()).strip());

      assertThat(new ProcessBuilder("kill", "-INT", "--", "-" + child.pid()).start().waitFor()).isZero();

      assertThat(child.waitFor(20, TimeUnit.SECONDS)).as("child stopped").isTrue();
      String output = Files.readString(out);
      assertThat(output).contains("stopped")
          .doesNotContain("restart")
          .doesNotContain("policy engine down")
          .doesNotContain("Exception")
          .doesNotContain("\tat ");
      assertThat(ProcessHandle.of(opaPid).filter(ProcessHandle::isAlive)).isEmpty();
      try (AuditLog audit = AuditLog.open(dir.resolve("audit.log"))) {
        assertThat(audit.list(0, 10, "policy.engine.")).isEmpty();
      }
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  @Timeout(10) // it took 20 s and ended in a stack trace
  void start_portInUse_failsAtOnceInOneLineNamingPortAndSetting() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        PolicyEngine engine = engine(busy.getLocalPort(), null)) {

      assertThatThrownBy(engine::start)
          .hasMessageContaining("127.0.0.1:" + busy.getLocalPort())
          .hasMessageContaining("policy.sidecar_port")
          .hasMessageNotContaining("\n")
          .hasNoCause()
          .satisfies(e -> assertThat(e.getStackTrace()).isEmpty());
    }
  }

  @Test
  void opaLog_afterHealthChecksAndDecisions_hasNoErrorLines() throws Exception {
    try (PolicyEngine engine = engine(0, null)) {
      engine.start();
      engine.mainListener().onMainChanged(PolicyFixtures.seededMain());
      for (int i = 0; i < 5; i++) {
        assertThat(engine.decider().decide(ledgerRead()).outcome()).isEqualTo(Outcome.ALLOW);
      }
      // Requests so far: the start's /health and /v1/config probes, the policy push, the decisions.
      List<String> lines = Files.readAllLines(dir.resolve("policy").resolve("opa.log"));
      assertThat(lines).isNotEmpty().noneMatch(l -> l.contains("\"level\":\"error\""));
    }
  }

  private static String sessionOf(long pid) throws IOException {
    // /proc/<pid>/stat: "pid (comm) state ppid pgrp session ..."; comm may contain spaces.
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return after[3];
  }
}
