package io.warden.bench.mcp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Stream;

/** Percentiles of nanosecond samples, directory sizes and what the numbers were measured on. */
final class Stats {
  private Stats() {}

  /** The q-quantile (0..1) of the samples, in milliseconds. */
  static double ms(long[] nanos, double q) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int i = Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }

  static long bytesUnder(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  static String machine() {
    String load;
    try {
      load = Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (IOException e) {
      load = "unknown";
    }
    return String.format(Locale.ROOT, "machine: nproc=%d, loadavg %s, java %s, max heap %d MiB",
        Runtime.getRuntime().availableProcessors(), load, System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() >> 20);
  }
}
