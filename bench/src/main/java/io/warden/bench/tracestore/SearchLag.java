package io.warden.bench.tracestore;

import io.warden.core.trace.SpanQuery;
import io.warden.tracestore.TraceStore;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Lag from acknowledgement to searchability: probes (a trace id and when its batch was acknowledged)
 * are searched for in order, by {@code trace_id:...} with a page of one, every
 * {@value #POLL_MILLIS} ms until found. The applier indexes in log order, so probing in order
 * measures each probe from its own acknowledgement.
 */
final class SearchLag {
  static final long POLL_MILLIS = 20;

  private record Probe(String traceId, long ackedNanos) {}

  private static final Probe END = new Probe("", 0);

  private final TraceStore store;
  private final LinkedBlockingQueue<Probe> probes = new LinkedBlockingQueue<>();
  private final long[] lags = new long[1_000_000];
  /** Written only by the probe thread; volatile so an interval report sees the lags before it. */
  private volatile int count;
  private volatile long failures;
  /** Where the last {@link #intervalReport()} ended (read by the reporting thread only). */
  private int intervalFrom;
  private final Thread thread;

  private SearchLag(TraceStore store) {
    this.store = store;
    this.thread = Thread.ofPlatform().name("bench-search-lag").start(this::run);
  }

  static SearchLag start(TraceStore store) {
    return new SearchLag(store);
  }

  void probe(String traceId, long ackedNanos) {
    probes.add(new Probe(traceId, ackedNanos));
  }

  /** Waits until every probe so far is found. */
  void finish() throws InterruptedException {
    probes.add(END);
    thread.join();
  }

  private void run() {
    try {
      while (true) {
        Probe p = probes.take();
        if (p == END) {
          return;
        }
        SpanQuery q = new SpanQuery("trace_id:" + p.traceId(), null, null, null, null, null, null, null, null, null, 1);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (true) {
          try {
            if (!store.search(q).hits().isEmpty()) {
              if (count < lags.length) {
                lags[count++] = System.nanoTime() - p.ackedNanos();
              }
              break;
            }
          } catch (Exception e) {
            failures++;
          }
          if (System.nanoTime() > deadline) {
            failures++;
            break;
          }
          Thread.sleep(POLL_MILLIS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** "ack->searchable lag over N probes: p50 ... p99 ... max ...". */
  String report() {
    return describe(0, count);
  }

  /** The same over the probes found since the last call (for a long run's per-interval lines). */
  String intervalReport() {
    int to = count;
    String out = describe(intervalFrom, to);
    intervalFrom = to;
    return out;
  }

  private String describe(int from, int to) {
    long[] part = java.util.Arrays.copyOfRange(lags, from, to);
    int n = part.length;
    return String.format(Locale.ROOT, "ack->searchable lag over %d probes: p50 %.0f ms, p99 %.0f ms, max %.0f ms%s",
        n, Machine.percentileMillis(part, n, 0.5), Machine.percentileMillis(part, n, 0.99),
        Machine.percentileMillis(part, n, 1.0), failures == 0 ? "" : " (" + failures + " failed searches)");
  }
}
