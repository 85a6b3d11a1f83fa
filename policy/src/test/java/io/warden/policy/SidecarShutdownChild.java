package io.warden.policy;

import io.warden.core.audit.AuditLog;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A Warden-like process for {@link SidecarShutdownIT}: starts a policy engine with its sidecar,
 * stops it from a shutdown hook as {@code warden run} does, prints {@code ready <opa pid>} and
 * {@code stopped}. Test code. Args: opa binary, data directory.
 */
public final class SidecarShutdownChild {
  private SidecarShutdownChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    AuditLog audit = AuditLog.open(dir.resolve("audit.log"));
    PolicyEngine engine = PolicyEngine.builder()
        .setOpaBinary(Path.of(args[0]))
        .setSidecarPort(0)
        .setDataDir(dir.resolve("policy"))
        .setAudit(audit)
        .build();
    engine.start();
    engine.mainListener().onMainChanged(PolicyFixtures.seededMain());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      engine.close();
      audit.close();
      System.out.println("stopped");
      System.out.flush();
      stopped.countDown();
    }, "Child_Shutdown"));
    System.out.println("ready " + engine.sidecarPid());
    System.out.flush();
    stopped.await();
  }
}
