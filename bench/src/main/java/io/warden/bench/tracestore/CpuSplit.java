package io.warden.bench.tracestore;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * CPU time of this process between two points, split by thread role (ingest path, indexing, load
 * generator, other). On a shared box the wall-clock rate moves with other people's load; CPU
 * seconds per span does not, so it is the figure to compare changes by.
 */
final class CpuSplit {
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final Map<Long, Long> startById = new HashMap<>();
  /** Last CPU time and name seen per thread, so threads that ended before the report still count. */
  private final Map<Long, Long> lastById = new HashMap<>();
  private final Map<Long, String> nameById = new HashMap<>();
  private final long processStart = processCpuNanos();
  private final long wallStart = System.nanoTime();
  private final Map<String, Long> gcStart = gcMillis();
  private final Map<String, Long> vmStart = vmThreadNanos();

  /**
   * Samples every thread each {@value #SAMPLE_MILLIS} ms until the report: Lucene's merge threads
   * come and go, and a thread that ended before the report would count as GC or JIT otherwise.
   */
  private final Thread sampler;

  static final long SAMPLE_MILLIS = 50;

  private CpuSplit() {
    for (long id : threads.getAllThreadIds()) {
      startById.put(id, Math.max(0, threads.getThreadCpuTime(id)));
    }
    sampler = Thread.ofPlatform().daemon(true).name("bench-cpu-sampler").start(() -> {
      try {
        while (true) {
          Thread.sleep(SAMPLE_MILLIS);
          sample();
        }
      } catch (InterruptedException e) {
        // the report ends sampling
      }
    });
  }

  static CpuSplit start() {
    return new CpuSplit();
  }

  /** Records every live thread's CPU time now; call it before threads of interest end. */
  synchronized void sample() {
    long[] ids = threads.getAllThreadIds();
    ThreadInfo[] infos = threads.getThreadInfo(ids);
    for (int i = 0; i < ids.length; i++) {
      long now = threads.getThreadCpuTime(ids[i]);
      if (infos[i] != null && now >= 0) {
        lastById.put(ids[i], now);
        nameById.put(ids[i], infos[i].getThreadName());
      }
    }
  }

  /** Records the calling thread's CPU time; call it as the thread's last act. */
  synchronized void sampleCurrentThread() {
    long id = Thread.currentThread().threadId();
    lastById.put(id, threads.getCurrentThreadCpuTime());
    nameById.put(id, Thread.currentThread().getName());
  }

  static String role(String thread) {
    if (thread.startsWith("TraceStore_Applier") || thread.startsWith("TraceStore_Lucene")
        || thread.startsWith("Lucene Merge")) {
      return "indexing";
    }
    if (thread.startsWith("TraceStore_") || thread.startsWith("vert.x-") || thread.startsWith("grpc-")) {
      return "ingest";
    }
    if (thread.startsWith("exporter") || thread.toLowerCase(Locale.ROOT).contains("okhttp")
        || thread.startsWith("Okio")) {
      return "load generator";
    }
    return "other";
  }

  /** "cpu per 1k spans: ingest 0.012 s, indexing ..., process total ... (GC and JIT included)". */
  synchronized String report(long spans) {
    sampler.interrupt();
    Map<String, Long> byRole = new LinkedHashMap<>();
    for (String r : new String[] {"ingest", "indexing", "load generator", "other"}) {
      byRole.put(r, 0L);
    }
    sample();
    lastById.forEach((id, now) ->
        byRole.merge(role(nameById.get(id)), now - startById.getOrDefault(id, 0L), Long::sum));
    long total = processCpuNanos() - processStart;
    long javaThreads = byRole.values().stream().mapToLong(Long::longValue).sum();
    // Threads the JVM does not list (GC workers, JIT compilers): the rest of the process's CPU.
    byRole.put("GC+JIT threads", Math.max(0, total - javaThreads));
    double k = Math.max(1, spans) / 1000.0;
    StringBuilder sb = new StringBuilder("cpu ms per 1k spans:");
    byRole.forEach((r, n) -> sb.append(String.format(Locale.ROOT, " %s %.1f,", r, n / 1e6 / k)));
    Map<String, Long> vm = vmThreadNanos();
    if (!vm.isEmpty()) {
      sb.setLength(sb.length() - 1);
      sb.append(" (");
      vm.forEach((kind, n) -> sb.append(String.format(Locale.ROOT, "%s %.1f, ", kind,
          (n - vmStart.getOrDefault(kind, 0L)) / 1e6 / k)));
      sb.setLength(sb.length() - 2);
      sb.append("),");
    }
    sb.append(String.format(Locale.ROOT, " process total %.1f (%.2f cores busy); GC time",
        total / 1e6 / k, total / (double) (System.nanoTime() - wallStart)));
    gcMillis().forEach((gc, ms) -> sb.append(String.format(Locale.ROOT, " %s %d ms,", gc,
        ms - gcStart.getOrDefault(gc, 0L))));
    sb.setLength(sb.length() - 1);
    return sb.toString();
  }

  /** Collection time so far by collector (pauses; G1's concurrent cycles are their own entry). */
  static Map<String, Long> gcMillis() {
    Map<String, Long> out = new LinkedHashMap<>();
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      out.put(gc.getName(), gc.getCollectionTime());
    }
    return out;
  }

  /**
   * CPU time of the JVM's own collector and compiler threads by kind ("GC", "JIT"), read from
   * {@code /proc/self/task} (Linux; empty elsewhere): the JVM lists neither. Native thread names
   * are cut to 15 characters, which these prefixes fit. Ticks are 10 ms (USER_HZ 100).
   */
  static Map<String, Long> vmThreadNanos() {
    Map<String, Long> out = new LinkedHashMap<>();
    out.put("GC", 0L);
    out.put("JIT", 0L);
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path task : tasks) {
        String name;
        String stat;
        try {
          name = Files.readString(task.resolve("comm")).strip();
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException e) {
          continue; // the thread ended between listing and reading
        }
        String kind = name.startsWith("GC Thread") || name.startsWith("G1 ") ? "GC"
            : name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler") ? "JIT" : null;
        if (kind != null) {
          // Fields after the command's ")": state is the 3rd of stat(5), utime the 14th, stime the 15th.
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          out.merge(kind, (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10_000_000L, Long::sum);
        }
      }
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    return out;
  }

  static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }
}
