package io.warden.bench.tracestore;

import io.warden.core.trace.SpanRecord;
import io.warden.tracestore.lucene.LuceneSpanStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Lucene applier's work alone, by CPU time: spans shaped like {@code OtlpIngestBench}'s (a GenAI
 * chat span named {@code chat claude-opus-4-7}, a ~300-character prompt and completion, 512 spans per
 * trace), made before the clock starts, written in batches of 5,000 (the applier's batch) to one
 * {@link LuceneSpanStore} with its refresh running. Prints, per round, the writing thread's CPU
 * (building documents and inverting them) and the whole process's (with flushes, merges, GC and JIT)
 * per 1,000 spans. Thread CPU does not move with other people's load the way a rate does.
 *
 * <p>Arguments (optional): {@code rounds spansPerRound} (default 6 100000).
 */
public final class LuceneWriteBench {
  private LuceneWriteBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
    int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    System.out.println(Machine.describe());
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Path dir = Files.createTempDirectory("warden-write-bench");
    try (LuceneSpanStore store = LuceneSpanStore.open(dir)) {
      long next = 0;
      for (int r = 0; r <= rounds; r++) {
        List<SpanRecord> spans = new ArrayList<>(perRound);
        for (int i = 0; i < perRound; i++) {
          spans.add(span(next++));
        }
        long thread0 = threads.getCurrentThreadCpuTime();
        long process0 = CpuSplit.processCpuNanos();
        for (int i = 0; i < perRound; i += 5_000) {
          store.write(spans.subList(i, Math.min(perRound, i + 5_000)));
        }
        store.commit();
        double k = perRound / 1000.0;
        if (r > 0) { // round 0 warms the JIT up
          System.out.printf(Locale.ROOT, "round %d: writer thread %.1f ms CPU per 1k spans, process %.1f ms "
              + "(%,d spans in the index)%n", r, (threads.getCurrentThreadCpuTime() - thread0) / 1e6 / k,
              (CpuSplit.processCpuNanos() - process0) / 1e6 / k, next);
        }
      }
    } finally {
      Machine.deleteTree(dir);
    }
  }

  private static SpanRecord span(long n) {
    String trace = String.format("%032x", n / 512 + 1);
    String id = String.format("%016x", n + 1);
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
