package io.warden.bench.audit;

import io.warden.core.audit.AuditLog;
import io.warden.core.audit.AuditVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Durable audit appends per second (each append returns only once its entry is fsynced) from 1 and
 * from 32 threads, on a fresh log in a temp directory next to the working directory's disk; the
 * chain is verified afterwards. {@code -Dseconds=} sets each phase's length (default 5), {@code
 * -Dthreads=1,32} the phases. Run with {@code ./warden bench audit}.
 */
public final class AuditAppendBench {

  private AuditAppendBench() {}

  public static void main(String[] args) throws Exception {
    long seconds = Long.getLong("seconds", 5);
    String[] phases = System.getProperty("threads", "1,32").split(",");
    Path dir = Files.createTempDirectory(Path.of("").toAbsolutePath(), "audit-bench");
    try {
      for (String phase : phases) {
        int threads = Integer.parseInt(phase.trim());
        Path file = dir.resolve("audit-" + threads + ".jsonl");
        long appends = run(file, threads, seconds * 1_000_000_000L);
        AuditVerifier.Result verified = AuditVerifier.verify(file);
        System.out.printf("audit append: %2d threads  %,8.0f appends/s  (%,d appends in %d s, chain ok=%s)%n",
            threads, appends / (double) seconds, appends, seconds, verified.ok());
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static long run(Path file, int threads, long nanos) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (AuditLog log = AuditLog.open(file)) {
      long end = System.nanoTime() + nanos;
      List<Future<Long>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String actor = "agent-" + t;
        done.add(pool.submit(() -> {
          long n = 0;
          while (System.nanoTime() < end) {
            log.append(actor, "mcp.tool.call", "tools/search", Map.of("n", n, "decision", "allow"));
            n++;
          }
          return n;
        }));
      }
      long total = 0;
      for (Future<Long> f : done) {
        total += f.get();
      }
      return total;
    } finally {
      pool.shutdownNow();
    }
  }
}
