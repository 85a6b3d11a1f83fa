package io.warden.bench.tracestore;

import io.warden.core.trace.SpanCodec;
import io.warden.core.trace.SpanRecord;
import io.warden.tracestore.lucene.LuceneSpanStore;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Lucene applier's work alone, by CPU time: spans shaped like {@code OtlpIngestBench}'s (a GenAI
 * chat span named {@code chat claude-opus-4-7}, a ~300-character prompt and completion, 512 spans per
 * trace, random-looking trace and span ids), made before the clock starts, written in batches of
 * 5,000 (the applier's batch) to one {@link LuceneSpanStore} with its refresh running. Prints, per
 * round, the writing thread's CPU (building documents and inverting them) and the whole process's
 * (with flushes, merges, GC and JIT) per 1,000 spans, and of that process CPU the merge threads' and
 * the refresh thread's (flushes) share, and the wall-clock rate (spans written and committed per
 * second). Thread CPU does not move with other people's load the way a rate does. Merge threads come
 * and go, so a sampler reads every thread's CPU every 10 ms: a merge thread's last few milliseconds
 * before it ends can be missed.
 *
 * <p>Arguments (optional): {@code rounds spansPerRound} (default 6 100000).
 */
public final class LuceneWriteBench {
  private LuceneWriteBench() {}

  public static void main(String[] args) throws Throwable {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
    int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    System.out.println(Machine.describe());
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Path dir = Files.createTempDirectory("warden-write-bench");
    ThreadCpu background = new ThreadCpu();
    Thread sampler = Thread.ofPlatform().daemon(true).name("bench-sampler").start(background::run);
    // The applier hands the store each span's bytes in the write-ahead log entry where the store
    // takes them (SpanStore.write(spans, encoded)); a baseline without that method encodes itself.
    MethodHandle writeEncoded = null;
    try {
      writeEncoded = MethodHandles.publicLookup().findVirtual(LuceneSpanStore.class, "write",
          MethodType.methodType(void.class, List.class, List.class));
    } catch (NoSuchMethodException e) {
      System.out.println("(this store encodes each span itself: no write(spans, encoded))");
    }
    try (LuceneSpanStore store = LuceneSpanStore.open(dir)) {
      long next = 0;
      for (int r = 0; r <= rounds; r++) {
        List<SpanRecord> spans = new ArrayList<>(perRound);
        for (int i = 0; i < perRound; i++) {
          spans.add(span(next++));
        }
        List<ByteBuffer> encoded = walEncodings(spans);
        long thread0 = threads.getCurrentThreadCpuTime();
        long process0 = CpuSplit.processCpuNanos();
        long[] background0 = background.totals();
        long wall0 = System.nanoTime();
        for (int i = 0; i < perRound; i += 5_000) {
          int end = Math.min(perRound, i + 5_000);
          if (writeEncoded != null) {
            writeEncoded.invoke(store, spans.subList(i, end), encoded.subList(i, end));
          } else {
            store.write(spans.subList(i, end));
          }
        }
        store.commit();
        long wall = System.nanoTime() - wall0;
        double k = perRound / 1000.0;
        if (r > 0) { // round 0 warms the JIT up
          long[] background1 = background.totals();
          System.out.printf(Locale.ROOT, "round %d: writer thread %.1f ms CPU per 1k spans, process %.1f ms "
              + "(merge threads %.1f, refresh thread %.1f); %,.0f spans/s written and committed "
              + "(%,d spans in the index)%n", r, (threads.getCurrentThreadCpuTime() - thread0) / 1e6 / k,
              (CpuSplit.processCpuNanos() - process0) / 1e6 / k, (background1[0] - background0[0]) / 1e6 / k,
              (background1[1] - background0[1]) / 1e6 / k, perRound / (wall / 1e9), next);
        }
      }
      System.out.println("index after the last commit (" + store.name() + "), bytes per span: "
          + committedBytes(dir, next));
    } finally {
      sampler.interrupt();
      Machine.deleteTree(dir);
    }
  }

  /** Bytes per span of the files the last commit references (not merges in flight), by kind. */
  private static String committedBytes(Path dir, long spans) throws java.io.IOException {
    Map<String, Long> byKind = new java.util.TreeMap<>();
    long total = 0;
    java.util.Collection<String> files;
    try (var d = org.apache.lucene.store.FSDirectory.open(dir)) {
      files = org.apache.lucene.index.SegmentInfos.readLatestCommit(d).files(true);
    }
    for (String f : files) {
      long bytes = Files.size(dir.resolve(f));
      total += bytes;
      String kind = f.endsWith(".fdt") ? "stored" : f.endsWith(".nvd") ? "norms"
          : f.endsWith(".doc") || f.endsWith(".pos") || f.endsWith(".tim") ? "postings"
          : f.endsWith(".dvd") ? "doc values" : f.endsWith(".kdd") ? "points" : "other";
      byKind.merge(kind, bytes, Long::sum);
    }
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "total %.0f", (double) total / spans));
    byKind.forEach((k, v) -> out.append(String.format(Locale.ROOT, ", %s %.1f", k, (double) v / spans)));
    return out.toString();
  }

  /** CPU nanoseconds of the merge threads and of the refresh thread so far, sampled every 10 ms. */
  private static final class ThreadCpu {
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> last = new java.util.HashMap<>();
    private final Map<Long, Integer> kind = new java.util.HashMap<>();

    void run() {
      try {
        while (true) {
          sample();
          Thread.sleep(10); // a sampling period, not a wait for a condition
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private synchronized void sample() {
      long[] ids = threads.getAllThreadIds();
      var infos = threads.getThreadInfo(ids);
      for (int i = 0; i < ids.length; i++) {
        if (infos[i] == null) {
          continue;
        }
        String name = infos[i].getThreadName();
        int k = name.startsWith("Lucene Merge") ? 0 : name.startsWith("TraceStore_LuceneRefresh") ? 1 : -1;
        long cpu = threads.getThreadCpuTime(ids[i]);
        if (k >= 0 && cpu >= 0) {
          last.put(ids[i], cpu);
          kind.put(ids[i], k);
        }
      }
    }

    synchronized long[] totals() {
      sample();
      long[] out = new long[2];
      last.forEach((id, cpu) -> out[kind.get(id)] += cpu);
      return out;
    }
  }

  /**
   * Each span's encoding as the write-ahead log holds it: 512 spans (one export request) per entry
   * payload, made before the clock starts, as the log writer made them.
   */
  private static List<ByteBuffer> walEncodings(List<SpanRecord> spans) {
    List<ByteBuffer> out = new ArrayList<>(spans.size());
    for (int from = 0; from < spans.size(); from += 512) {
      List<SpanRecord> entry = spans.subList(from, Math.min(spans.size(), from + 512));
      SpanCodec.Out payload = new SpanCodec.Out(entry.size() * 1024);
      int[] starts = new int[entry.size() + 1];
      payload.varint(entry.size());
      for (int i = 0; i < entry.size(); i++) {
        starts[i] = payload.length();
        SpanCodec.write(payload, entry.get(i));
      }
      starts[entry.size()] = payload.length();
      byte[] bytes = payload.toByteArray();
      for (int i = 0; i < entry.size(); i++) {
        out.add(ByteBuffer.wrap(bytes, starts[i], starts[i + 1] - starts[i]));
      }
    }
    return out;
  }

  /** SplitMix64's finaliser: a bijection, so every n gets its own id. */
  private static long mix(long n) {
    long z = n * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static SpanRecord span(long n) {
    // Random-looking ids, as SDKs make them: sequential ones share long prefixes, which lets Lucene's
    // terms dictionary skip work (block compression attempts among it) that real ids always cost.
    long t = n / 512 + 1;
    String trace = String.format("%016x%016x", mix(t), mix(~t));
    String id = String.format("%016x", mix(n + 1));
    long start = 1_780_000_000_000_000_000L + n * 1_000_000L;
    long i = n % 512;
    String text = "Reconcile invoice " + (4000 + i) + " for customer ACME against the ledger and draft an email to "
        + "accounts payable if the amounts differ by more than one percent.\nInvoice " + (4000 + i)
        + " matches ledger entry L-" + (9000 + i) + "; no email needed.";
    BigDecimal cost = new BigDecimal("0.0213");
    return new SpanRecord(trace, id, "", trace, "chat claude-opus-4-7", "bench-agent", "bench-agent", "chat", start,
        start + 900_000_000L, "OK", "", "claude-opus-4-7", "claude-opus-4-7", 1200 + i, 180, 0, "",
        "conv-" + (n % 97), "", List.of("bench-agent"), cost, text,
        Map.of("warden.cost.tokens_usd", cost.toPlainString(), "warden.cost.actions_usd", "0",
            "warden.cost.compute_usd", "0", "gen_ai.provider.name", "anthropic"), List.of());
  }
}
