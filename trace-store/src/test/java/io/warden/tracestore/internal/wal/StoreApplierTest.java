package io.warden.tracestore.internal.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanStore;
import io.warden.core.trace.SpanStore.CostGroup;
import io.warden.core.trace.SpanText;
import io.warden.tracestore.SpanFixtures;
import io.warden.tracestore.internal.ingest.IngestBatch;
import io.warden.tracestore.lucene.LuceneSpanStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The applier holds at most {@link StoreApplier#MAX_QUEUED_SPANS} spans in memory: a store further
 * behind gets the rest read back from the log, and still receives every span once, in log order.
 */
class StoreApplierTest {
  private static final int SPANS_PER_BATCH = 500;

  @TempDir
  Path dir;

  @Test
  void aBacklogLargerThanTheMemoryQueue_reachesTheStoreFromTheLog_everySpanOnceInOrder() throws Exception {
    CountDownLatch open = new CountDownLatch(1);
    GatedStore store = new GatedStore(LuceneSpanStore.open(dir.resolve("lucene")), open);
    AtomicReference<StoreApplier> applier = new AtomicReference<>();
    int batches = (int) (3 * StoreApplier.MAX_QUEUED_SPANS / SPANS_PER_BATCH);
    List<String> sent = new ArrayList<>();
    try (WriteAheadLog wal = WriteAheadLog.open(dir.resolve("wal"), 8L << 20, 512L << 20, 4L << 30,
        (seq, attachment) -> applier.get().offer(seq, (IngestBatch.Encoded) attachment))) {
      StoreApplier a = new StoreApplier(store, wal, dir.resolve("lucene.checkpoint"), Duration.ofMillis(200), () -> {});
      applier.set(a);
      a.start();
      long last = 0;
      for (int b = 0; b < batches; b++) {
        List<SpanRecord> spans = new ArrayList<>(SPANS_PER_BATCH);
        for (int i = 0; i < SPANS_PER_BATCH; i++) {
          SpanRecord s = SpanFixtures.span("t" + b, i + 1, "agent-a", "chat", i).text("backlog " + b).build();
          spans.add(s);
          sent.add(s.key());
        }
        IngestBatch.Encoded entry = new IngestBatch(spans, List.of()).encoded();
        CompletableFuture<Long> appended = wal.append(entry.payload(), entry);
        last = appended.get(30, TimeUnit.SECONDS);
      }
      // Everything is durable while the store is held: more than the memory queue may keep.
      assertThat(a.appliedSeq()).isLessThan(last);

      open.countDown();
      long lastSeq = last;
      await().atMost(Duration.ofMinutes(2)).until(() -> a.committedSeq() == lastSeq);
      a.close();
      assertThat(store.written).containsExactlyElementsOf(sent);
      store.refreshNow();
      assertThat(store.costs(CostGroup.AGENT, null, null)).singleElement()
          .satisfies(row -> assertThat(row.spans()).isEqualTo(sent.size()));
    } finally {
      store.close();
    }
  }

  /** A real Lucene store whose first write waits until the test opens the gate; it notes what it is given. */
  private static final class GatedStore implements SpanStore {
    final LuceneSpanStore delegate;
    final CountDownLatch open;
    final List<String> written = new CopyOnWriteArrayList<>();

    GatedStore(LuceneSpanStore delegate, CountDownLatch open) {
      this.delegate = delegate;
      this.open = open;
    }

    void refreshNow() throws Exception {
      delegate.refreshNow();
    }

    @Override
    public String name() {
      return delegate.name();
    }

    @Override
    public void write(List<SpanRecord> spans) throws Exception {
      write(spans, null);
    }

    @Override
    public void write(List<SpanRecord> spans, List<ByteBuffer> encoded) throws Exception {
      open.await();
      for (SpanRecord s : spans) {
        written.add(s.key());
      }
      if (encoded == null) {
        delegate.write(spans);
      } else {
        delegate.write(spans, encoded);
      }
    }

    @Override
    public void attach(List<SpanText> texts) throws Exception {
      delegate.attach(texts);
    }

    @Override
    public void commit() throws Exception {
      delegate.commit();
    }

    @Override
    public Page query(SpanQuery query) throws Exception {
      return delegate.query(query);
    }

    @Override
    public List<CostRow> costs(CostGroup group, Instant from, Instant to) throws Exception {
      return delegate.costs(group, from, to);
    }

    @Override
    public boolean healthy() {
      return delegate.healthy();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
