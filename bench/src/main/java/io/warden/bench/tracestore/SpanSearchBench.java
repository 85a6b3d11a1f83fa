package io.warden.bench.tracestore;

import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanStore;
import io.warden.tracestore.lucene.LuceneSpanStore;
import java.math.BigDecimal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Search latency at scale: fills a Lucene span index with synthetic GenAI spans (50 agents, 8
 * models, 20 tools, 3% errors, 30 days, prompts drawn from a 5,000-word vocabulary), then runs a mix
 * of responder queries through {@link LuceneSpanStore#search} with highlights, as the API does,
 * single-threaded, and prints p50/p99/max per query kind and overall.
 *
 * <p>With a third argument, {@code ingestPerSecond}, it then runs the same mix again while a writer
 * thread keeps adding spans at that rate (committing every 5 s, as the applier does): search while
 * an incident floods ingest.
 *
 * <p>Arguments (optional): {@code spans queriesPerKind ingestPerSecond} (default 1000000 300 0). The
 * index is written directly (not over OTLP): {@code OtlpIngestBench} measures ingest.
 *
 * <p>Start times are spread at random over the 30 days, whatever order the spans are written in: the
 * worst case for a newest-first page. {@code -Dorder=arrival} writes them in the order they start
 * (30 days over the spans, up to 10 s out of order), as a trace store receives them.
 *
 * <p>Before measuring, every query runs {@code -Dwarmups=N} times (default 2), so the figures are a
 * warm process's.
 *
 * <p>{@code -Dindex=DIR} keeps the index in {@code DIR} and, when a later run finds one built there
 * for the same number of spans, searches it without building it again (a 10M-span index takes
 * minutes to build); the spans ingested during the search-under-load phase are rewritten with the
 * same ids on every run, so the index does not grow from run to run. Only the index layout of the
 * code under test can be searched: rebuild (a new {@code DIR}) after a layout change.
 */
public final class SpanSearchBench {
  private static final long DAY = 86_400_000_000_000L;
  /** Nanoseconds between consecutive spans' starts when they arrive in order; 0 for random starts. */
  private static long arrivalSpacing;

  private SpanSearchBench() {}

  public static void main(String[] args) throws Exception {
    long total = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
    int perKind = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    int ingestPerSecond = args.length > 2 ? Integer.parseInt(args[2]) : 0;
    System.out.println(Machine.describe());
    boolean arrival = System.getProperty("order", "random").equals("arrival");
    System.out.println("start times " + (arrival ? "in arrival order" : "random over 30 days, whatever the arrival order"));
    arrivalSpacing = arrival ? 30 * DAY / total : 0;
    String kept = System.getProperty("index", "");
    Path dir = kept.isEmpty() ? Files.createTempDirectory("warden-search-bench") : Files.createDirectories(Path.of(kept));
    Path built = dir.resolve("bench-built-spans");
    String builtFor = total + " " + arrival; // what a kept index must have been built for
    boolean reuse = !kept.isEmpty() && Files.exists(built) && Files.readString(built).strip().equals(builtFor);
    String[] vocabulary = vocabulary(5000);
    long end = Instant.parse("2026-05-31T00:00:00Z").getEpochSecond() * 1_000_000_000L;
    try (LuceneSpanStore store = LuceneSpanStore.open(dir)) {
      if (reuse) {
        System.out.printf(Locale.ROOT, "searching the index kept in %s (%,d spans, %,d MiB on disk)%n", dir,
            store.count(), Machine.directorySize(dir) >> 20);
      } else {
        build(store, dir, total, vocabulary, end);
        if (!kept.isEmpty()) {
          Files.writeString(built, builtFor);
        }
      }
      // Seeded apart from the spans, so a run on a kept index asks the same queries as the run that built it.
      Random random = new Random(43);
      Map<String, List<SpanQuery>> kinds = queries(random, vocabulary, end);
      // Every query twice before measuring: with fewer, the JIT compiler was still at work during the
      // measured queries (process CPU twice the query thread's, and single slow repetitions of fast
      // queries set the p99). The measured phase prints the compilation time it still saw.
      int warmups = Integer.getInteger("warmups", 2);
      for (int warm = 0; warm < warmups; warm++) {
        for (List<SpanQuery> qs : kinds.values()) {
          for (SpanQuery q : qs) {
            store.search(q, true);
          }
        }
      }
      runQueries(store, kinds, perKind, String.format(Locale.ROOT, "%,d spans, idle", total));
      long c0 = System.nanoTime();
      store.costs(SpanStore.CostGroup.AGENT, null, null);
      System.out.printf(Locale.ROOT, "cost roll-up by agent over all %,d spans: %.0f ms%n", total,
          (System.nanoTime() - c0) / 1e6);
      if (ingestPerSecond > 0) {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong written = new AtomicLong();
        Thread writer = Thread.ofPlatform().name("bench-writer").start(() ->
            ingest(store, total, ingestPerSecond, vocabulary, end, stop, written));
        // The writer settles into its rate; on a kept index this process has not indexed before, so
        // the JIT compiler needs longer to compile the indexing path.
        Thread.sleep(reuse ? 20_000 : 3_000);
        long w0 = written.get();
        long s0 = System.nanoTime();
        runQueries(store, kinds, perKind, String.format(Locale.ROOT,
            "%,d+ spans while ingesting %,d spans/s", total, ingestPerSecond));
        double secs = (System.nanoTime() - s0) / 1e9;
        stop.set(true);
        writer.join();
        System.out.printf(Locale.ROOT, "  (the writer kept %,.0f spans/s during the queries)%n",
            (written.get() - w0) / secs);
      }
    } finally {
      if (kept.isEmpty()) {
        Machine.deleteTree(dir);
      }
    }
  }

  private static void build(LuceneSpanStore store, Path dir, long total, String[] vocabulary, long end)
      throws IOException {
    Random random = new Random(42);
    long t0 = System.nanoTime();
    CpuSplit cpu = CpuSplit.start();
    List<SpanRecord> batch = new ArrayList<>(10_000);
    for (long i = 0; i < total; i++) {
      batch.add(span(i, random, vocabulary, end));
      if (batch.size() == 10_000) {
        store.write(batch);
        batch.clear();
      }
      if ((i + 1) % 1_000_000 == 0) {
        System.out.printf(Locale.ROOT, "  indexed %,d spans (%.0f s)%n", i + 1, (System.nanoTime() - t0) / 1e9);
      }
    }
    store.write(batch);
    store.commit();
    store.refreshNow();
    double indexSeconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "indexed %,d spans in %.0f s (%,.0f spans/s, one writer thread), "
        + "index %,d MiB on disk%n", total, indexSeconds, total / indexSeconds, Machine.directorySize(dir) >> 20);
    System.out.printf(Locale.ROOT, "indexing %s%n", cpu.report(total));
  }

  /** Adds spans at {@code perSecond} in 100 ms slices, committing every 5 s, until stopped. */
  private static void ingest(LuceneSpanStore store, long first, int perSecond, String[] vocabulary, long end,
      AtomicBoolean stop, AtomicLong written) {
    Random random = new Random(99);
    long next = first;
    long slice = System.nanoTime();
    long lastCommit = slice;
    try {
      while (!stop.get()) {
        List<SpanRecord> batch = new ArrayList<>(perSecond / 10 + 1);
        for (int i = 0; i < perSecond / 10; i++) {
          batch.add(span(next++, random, vocabulary, end));
        }
        store.write(batch);
        written.addAndGet(batch.size());
        long now = System.nanoTime();
        if (now - lastCommit > 5_000_000_000L) {
          store.commit();
          lastCommit = now;
        }
        slice += 100_000_000L;
        long wait = slice - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void runQueries(LuceneSpanStore store, Map<String, List<SpanQuery>> kinds, int perKind,
      String label) throws Exception {
    long[] all = new long[perKind * kinds.size()];
    int allCount = 0;
    double cpuTotal = 0;
    long gc0 = CpuSplit.gcMillis().values().stream().mapToLong(Long::longValue).sum();
    long jit0 = java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    System.out.printf(Locale.ROOT, "search over %s, %d queries per kind, highlights on, newest first, "
        + "page of 50:%n", label, perKind);
    for (Map.Entry<String, List<SpanQuery>> kind : kinds.entrySet()) {
      long[] lat = new long[perKind];
      long hits = 0;
      long cpu0 = CpuSplit.processCpuNanos();
      for (int i = 0; i < perKind; i++) {
        SpanQuery q = kind.getValue().get(i % kind.getValue().size());
        long s = System.nanoTime();
        hits += store.search(q, true).hits().size();
        lat[i] = System.nanoTime() - s;
        all[allCount++] = lat[i];
      }
      // The process's CPU per query reads through other load on the machine, which wall-clock latency does not.
      double cpuPerQuery = (CpuSplit.processCpuNanos() - cpu0) / 1e6 / perKind;
      cpuTotal += cpuPerQuery;
      System.out.printf(Locale.ROOT, "  %-34s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  cpu %5.2f ms/query  (avg %.0f hits)%n",
          kind.getKey(), Machine.percentileMillis(lat, perKind, 0.5), Machine.percentileMillis(lat, perKind, 0.99),
          Machine.percentileMillis(lat, perKind, 1.0), cpuPerQuery, hits / (double) perKind);
    }
    long gc = CpuSplit.gcMillis().values().stream().mapToLong(Long::longValue).sum() - gc0;
    long jit = java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jit0;
    System.out.printf(Locale.ROOT, "search overall over %s: p50 %.2f ms, p99 %.2f ms, cpu %.2f ms/query, "
        + "GC %.2f ms/query, JIT compilation %,d ms in all%n", label, Machine.percentileMillis(all, allCount, 0.5),
        Machine.percentileMillis(all, allCount, 0.99), cpuTotal / kinds.size(), gc / (double) allCount, jit);
  }

  private static String[] vocabulary(int n) {
    String[] words = new String[n];
    Random r = new Random(7);
    for (int i = 0; i < n; i++) {
      StringBuilder w = new StringBuilder();
      int len = 3 + r.nextInt(7);
      for (int j = 0; j < len; j++) {
        w.append((char) ('a' + r.nextInt(26)));
      }
      words[i] = w.toString();
    }
    return words;
  }

  /** Zipf-like: low indexes are far more frequent, as words are in prompts. */
  private static String word(Random r, String[] vocabulary) {
    double u = r.nextDouble();
    return vocabulary[(int) (vocabulary.length * u * u * u)];
  }

  private static SpanRecord span(long i, Random r, String[] vocabulary, long end) {
    String agent = "agent-" + r.nextInt(50);
    String[] ops = {"chat", "chat", "chat", "execute_tool", "invoke_agent"};
    String op = ops[r.nextInt(ops.length)];
    String model = op.equals("chat") ? "model-" + r.nextInt(8) : "";
    String tool = op.equals("execute_tool") ? "tool-" + r.nextInt(20) : "";
    double at = r.nextDouble();
    long start = arrivalSpacing == 0 ? end - (long) (at * 30 * DAY)
        : end - 30 * DAY + i * arrivalSpacing + (long) (at * 10_000_000_000L);
    StringBuilder text = new StringBuilder();
    int words = 20 + r.nextInt(60);
    for (int w = 0; w < words; w++) {
      text.append(word(r, vocabulary)).append(w % 12 == 11 ? ". " : " ");
    }
    text.append("invoice ").append(r.nextInt(100_000));
    String status = r.nextInt(100) < 3 ? "ERROR" : "OK";
    BigDecimal cost = BigDecimal.valueOf(r.nextInt(50_000), 6);
    String trace = String.format("%032x", i / 8 + 1);
    String id = String.format("%016x", i + 1);
    return new SpanRecord(trace, id, i % 8 == 0 ? "" : String.format("%016x", i - i % 8 + 1), trace, op + " " + agent,
        agent, agent, op, start, start + r.nextInt(5_000_000), status, status.equals("ERROR") ? "upstream timeout" : "",
        model, model, 1000, 200, 0, tool, "conv-" + (i / 32), "", List.of(agent), cost, text.toString(),
        Map.of("warden.cost.tokens_usd", cost.toPlainString(), "warden.cost.actions_usd", "0",
            "warden.cost.compute_usd", "0"), List.of());
  }

  private static Map<String, List<SpanQuery>> queries(Random r, String[] vocabulary, long end) {
    Map<String, List<SpanQuery>> kinds = new LinkedHashMap<>();
    for (int i = 0; i < 200; i++) {
      String common = vocabulary[r.nextInt(20)];
      String mid = vocabulary[20 + r.nextInt(500)];
      String rare = vocabulary[1000 + r.nextInt(4000)];
      String agent = "agent-" + r.nextInt(50);
      Instant day = Instant.ofEpochSecond(0, end - (long) (r.nextDouble() * 29 * DAY));
      add(kinds, "one rare term", q(rare, null, null, null, null, null));
      add(kinds, "common AND mid term", q(common + " AND " + mid, null, null, null, null, null));
      add(kinds, "phrase \"invoice N\"", q("\"invoice " + r.nextInt(100_000) + "\"", null, null, null, null, null));
      add(kinds, "term + agent filter", q(mid, agent, null, null, null, null));
      add(kinds, "status:error + last 24h", q("status:error", null, null, day, day.plusSeconds(86_400), null));
      add(kinds, "agent filter only, newest first", q(null, agent, null, null, null, null));
      add(kinds, "model + min cost + term", q(common, null, "model-" + r.nextInt(8), null, null,
          new BigDecimal("0.04")));
      add(kinds, "prefix wildcard + tool field", q(rare.substring(0, 3) + "* AND tool:tool-" + r.nextInt(20),
          null, null, null, null, null));
    }
    return kinds;
  }

  private static void add(Map<String, List<SpanQuery>> kinds, String kind, SpanQuery q) {
    kinds.computeIfAbsent(kind, k -> new ArrayList<>()).add(q);
  }

  private static SpanQuery q(String text, String agent, String model, Instant from, Instant to, BigDecimal minCost) {
    return new SpanQuery(text, agent, model, null, from, to, minCost, null, null, null, 50);
  }
}
