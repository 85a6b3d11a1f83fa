package io.warden.bench.tracestore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/** What the numbers were measured on, and small statistics helpers (shared by the benchmarks). */
public final class Machine {
  private Machine() {}

  public static String describe() {
    String cpu = firstLine(Path.of("/proc/cpuinfo"), "model name");
    String mem = firstLine(Path.of("/proc/meminfo"), "MemTotal");
    String load = "";
    try {
      load = Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (IOException e) {
      load = "unknown";
    }
    return String.format(Locale.ROOT, "machine: nproc=%d, %s, %s, loadavg %s, java %s, max heap %d MiB",
        Runtime.getRuntime().availableProcessors(), cpu.isEmpty() ? "cpu unknown" : cpu,
        mem.replaceAll("\\s+", " "), load, System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() >> 20);
  }

  private static String firstLine(Path file, String prefix) {
    try (Stream<String> lines = Files.lines(file)) {
      return lines.filter(l -> l.startsWith(prefix)).findFirst().map(String::strip).orElse("");
    } catch (IOException e) {
      return "";
    }
  }

  /** The q-quantile (0..1) of nanosecond samples, in milliseconds. */
  public static double percentileMillis(long[] nanos, int count, double q) {
    long[] sorted = Arrays.copyOf(nanos, count);
    Arrays.sort(sorted);
    if (count == 0) {
      return 0;
    }
    int i = (int) Math.min(count - 1, Math.ceil(q * count) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }

  public static long directorySize(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
