package io.warden.bench.mcp;

import io.warden.core.approval.Approval;
import io.warden.core.approval.ApprovalRequest;
import io.warden.core.approval.ApprovalService;
import io.warden.core.audit.AuditLog;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.inventory.Inventory;
import io.warden.core.store.StateStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * 100,000 pending approvals held at once in the real {@link ApprovalService} on the real state store
 * and audit log: how fast they are held (each is a durable state-store write and an fsynced audit
 * entry), the heap and disk they take, and what listing, reading and deciding cost with all of them
 * pending (the REST and CLI list is {@code list(status, agent)}; the service's expiry sweep runs
 * {@code expireDue()} every second). Run with {@code ./warden bench mcp}.
 */
public final class PendingApprovalsBench {
  private static final int AGENTS = 100;

  private PendingApprovalsBench() {}

  public static void main(String[] args) throws Exception {
    int count = Integer.getInteger("warden.bench.approvals", 100_000);
    int threads = Integer.getInteger("warden.bench.approvals.threads", 16);
    System.out.println(Stats.machine());
    Path dir = Files.createTempDirectory("warden-approvals-bench-");
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    try (StateStore state = StateStore.open(dir.resolve("state.mv"));
        AuditLog audit = AuditLog.open(dir.resolve("audit.log"))) {
      IdentityService identity = IdentityService.create(state, audit, Inventory.create(), dir.resolve("signing.key"),
          Clock.systemUTC());
      UserPrincipal admin = (UserPrincipal) identity.authenticate(identity.bootstrapAdmin().orElseThrow().secret());
      UserPrincipal approver = (UserPrincipal) identity.authenticate(identity.createUser(admin, "alice", Role.APPROVER,
          Set.of()).secret());
      ApprovalService approvals = ApprovalService.create(state, audit, Clock.systemUTC(), Duration.ofDays(1));
      long heapBefore = usedHeapAfterGc(memory);

      ExecutorService pool = Executors.newFixedThreadPool(threads);
      long start = System.nanoTime();
      List<Future<List<String>>> parts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int from = t * count / threads;
        int to = (t + 1) * count / threads;
        parts.add(pool.submit(() -> {
          List<String> ids = new ArrayList<>();
          for (int i = from; i < to; i++) {
            ids.add(approvals.hold(new ApprovalRequest("agent-" + (i % AGENTS), "mcp://gateway/pay-invoice",
                "{\"supplier\":\"supplier-" + i + "\",\"amount_usd\":" + (1000 + i % 9000) + ",\"invoice\":\"INV-" + i
                    + "\"}", new BigDecimal(1000 + i % 9000), "4bf92f3577b34da6a3ce929d0e0e" + String.format("%04x",
                        i % 65536), "pay the supplier's invoice", List.of("action value over the agent's threshold"),
                "")).id());
          }
          return ids;
        }));
      }
      List<String> ids = new ArrayList<>(count);
      for (Future<List<String>> p : parts) {
        ids.addAll(p.get(2, TimeUnit.HOURS));
      }
      double holdSeconds = (System.nanoTime() - start) / 1e9;
      pool.shutdown();
      long heapAfter = usedHeapAfterGc(memory);
      System.out.printf(Locale.ROOT, "held %d approvals with %d threads in %.1f s: %.0f holds/s%n", count, threads,
          holdSeconds, count / holdSeconds);
      System.out.printf(Locale.ROOT, "heap used after GC: %d MiB before, %d MiB with %d pending (%+d MiB)%n",
          heapBefore >> 20, heapAfter >> 20, count, (heapAfter - heapBefore) >> 20);
      System.out.printf(Locale.ROOT, "disk: state store %d MiB, audit log %d MiB%n",
          Files.size(dir.resolve("state.mv")) >> 20, Files.size(dir.resolve("audit.log")) >> 20);

      long[] listAll = time(5, () -> check(approvals.list(Approval.Status.PENDING, null).size() == count));
      long[] listAgent = time(5, () -> check(approvals.list(Approval.Status.PENDING, "agent-7").size()
          == count / AGENTS));
      long[] sweep = time(5, () -> check(approvals.expireDue() == 0));
      report("list(pending) of all " + count, listAll);
      report("list(pending, one agent's " + count / AGENTS + ")", listAgent);
      report("expiry sweep expireDue() (every second)", sweep);

      Collections.shuffle(ids, new java.util.Random(42));
      long[] get = new long[1_000];
      for (int i = 0; i < get.length; i++) {
        String id = ids.get(i);
        long t = System.nanoTime();
        check(approvals.get(id).isPresent());
        get[i] = System.nanoTime() - t;
      }
      report("get(id)", get);
      long[] decide = new long[1_000];
      for (int i = 0; i < decide.length; i++) {
        String id = ids.get(i);
        long t = System.nanoTime();
        Approval a = i % 2 == 0 ? approvals.approve(approver, id, "bench") : approvals.deny(approver, id, "bench");
        decide[i] = System.nanoTime() - t;
        check(!a.isPending());
      }
      report("approve/deny one (durable + audited)", decide);
      approvals.close();
    } finally {
      deleteTree(dir);
    }
  }

  private interface Step {
    void run() throws Exception;
  }

  private static long[] time(int runs, Step step) throws Exception {
    long[] out = new long[runs];
    for (int i = 0; i < runs; i++) {
      long t = System.nanoTime();
      step.run();
      out[i] = System.nanoTime() - t;
    }
    return out;
  }

  private static void report(String what, long[] nanos) {
    System.out.printf(Locale.ROOT, "%-48s p50 %9.2f ms  p99 %9.2f ms  (%d runs)%n", what, Stats.ms(nanos, 0.5),
        Stats.ms(nanos, 0.99), nanos.length);
  }

  private static void check(boolean ok) {
    if (!ok) {
      throw new IllegalStateException("unexpected result");
    }
  }

  private static long usedHeapAfterGc(MemoryMXBean memory) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
