package io.warden.tracestore.lucene;

import static io.warden.tracestore.SpanFixtures.assertSameSpans;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanStore.CostGroup;
import io.warden.core.trace.SpanText;
import io.warden.tracestore.internal.ingest.IngestBatch;
import io.warden.tracestore.internal.ingest.SpanMapper;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A large write indexed on two threads stores exactly what one thread stores, or fails whole. */
class LuceneParallelWriteTest {
  private static final long T0 = 1_780_000_000_000_000_000L;
  private static final int TRACES = 30;
  private static final int SPANS = 3_000;

  @TempDir
  Path dir;

  private final List<LuceneSpanStore> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(LuceneSpanStore::close);
  }

  private LuceneSpanStore open(String name, int threads) {
    LuceneSpanStore s = LuceneSpanStore.open(dir.resolve(name), threads, threads == 1 ? Integer.MAX_VALUE : 2);
    opened.add(s);
    return s;
  }

  private static String trace(int n) {
    return String.format("%032x", n % TRACES + 1);
  }

  private static SpanRecord span(int n, String agent, String status, String cost, String text) {
    long start = T0 + n * 1_000L;
    return new SpanRecord(trace(n), String.format("%016x", n + 1), "", trace(n), "chat gpt-4o", "svc", agent, "chat",
        start, start + 500, status, "", "gpt-4o", "", 10, 5, 0, "", "", "", List.of(agent), new BigDecimal(cost),
        text, Map.of(SpanMapper.COST_TOKENS, cost, SpanMapper.COST_ACTIONS, "0", SpanMapper.COST_COMPUTE, "0"),
        List.of());
  }

  private static SpanRecord span(int n) {
    return span(n, "agent-" + n % 7, "OK", "0.0" + (n % 9 + 1), "prompt " + n + " about invoice " + (4000 + n));
  }

  @Test
  void write_largeBatchWithResendsAndWaitingText_onTwoThreads_readsBackAsOnOneThread() throws Exception {
    List<SpanRecord> batch = new ArrayList<>();
    List<SpanRecord> expected = new ArrayList<>();
    for (int n = 0; n < SPANS; n += 10) {
      batch.add(span(n, "stale", "ERROR", "9", "an older copy")); // replaced by the later copy below
    }
    for (int n = 0; n < SPANS; n++) {
      batch.add(span(n));
    }
    for (int n = 0; n < SPANS; n += 7) {
      if (n % 60 != 5) { // a resend of a span whose waiting text joined it would drop the text (as on one thread)
        batch.add(span(n)); // resent as it was
      }
    }
    List<SpanText> waiting = new ArrayList<>();
    for (int n = 5; n < SPANS; n += 60) {
      waiting.add(new SpanText(trace(n), String.format("%016x", n + 1), "agent-" + n % 7, T0, "completion " + n));
    }
    for (int n = 0; n < SPANS; n++) {
      SpanRecord s = span(n);
      expected.add(n % 60 == 5 ? s.withText(s.text() + "\ncompletion " + n) : s);
    }
    assertThat(List.of(LuceneSpanStore.split(batch, 2))).allSatisfy(part -> assertThat(part).isNotEmpty());

    List<LuceneSpanStore> stores = List.of(open("one", 1), open("two", 2));
    for (LuceneSpanStore store : stores) {
      store.attach(waiting);
      store.write(batch, new IngestBatch(batch, List.of()).encoded().spanEncodings());
      store.commit();
      store.refreshNow();
    }
    assertThat(stores.get(1).indexingThreads()).isEqualTo(2);
    for (LuceneSpanStore store : stores) {
      assertThat(store.count()).isEqualTo(SPANS);
      for (int t = 0; t < TRACES; t++) {
        String id = trace(t);
        assertSameSpans(store.trace(id), expected.stream().filter(s -> s.traceId().equals(id)).toList());
      }
    }
    assertThat(stores.get(1).costs(CostGroup.AGENT, null, null))
        .isEqualTo(stores.get(0).costs(CostGroup.AGENT, null, null))
        .noneMatch(r -> r.key().equals("stale"));
  }

  @Test
  void write_aPartFailsOnTheIndexingThread_throwsThere_andARetryStoresEachSpanOnce() throws Exception {
    LuceneSpanStore store = open("two", 2);
    List<SpanRecord> good = new ArrayList<>();
    for (int n = 0; n < SPANS; n++) {
      good.add(span(n));
    }
    // A span Lucene refuses (a keyword over 32,766 bytes) in the part the other thread indexes.
    int bad = SPANS;
    while (LuceneSpanStore.part(span(bad), 2) != 1) {
      bad++;
    }
    List<SpanRecord> batch = new ArrayList<>(good);
    batch.add(SPANS / 2, span(bad, "x".repeat(40_000), "OK", "1", "refused"));

    assertThatThrownBy(() -> store.write(batch))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("immense term")
        .satisfies(e -> assertThat(e.getStackTrace())
            .anyMatch(f -> f.getClassName().equals(ThreadPoolExecutor.class.getName())));
    store.write(good); // the applier's retry (without the refused span, which a client would fix)
    store.write(good);
    store.commit();
    store.refreshNow();
    assertThat(store.count()).isEqualTo(SPANS);
    assertThat(store.costs(CostGroup.AGENT, null, null).stream().mapToLong(r -> r.spans()).sum()).isEqualTo(SPANS);
  }

  @Test
  void split_putsEveryCopyOfASpanInOnePart_inTheWritesOrder() {
    Random random = new Random(13);
    List<SpanRecord> spans = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      int n = random.nextInt(2_000);
      spans.add(span(n, "agent", "OK", "0.0" + i % 10, "copy " + i));
    }
    for (int parts : new int[] {1, 2, 3}) {
      int[][] split = LuceneSpanStore.split(spans, parts);
      assertThat(split.length).isEqualTo(parts);
      Map<String, Integer> partOfKey = new HashMap<>();
      int total = 0;
      for (int p = 0; p < parts; p++) {
        assertThat(split[p]).isSorted();
        // Balanced enough for two threads to share the work: random ids, within 10% of even.
        assertThat(split[p].length).isBetween(spans.size() / parts * 9 / 10, spans.size() / parts * 11 / 10);
        for (int i : split[p]) {
          assertThat(partOfKey.merge(spans.get(i).key(), p, (a, b) -> a.equals(b) ? a : -1)).isEqualTo(p);
          total++;
        }
      }
      assertThat(total).isEqualTo(spans.size());
    }
  }
}
