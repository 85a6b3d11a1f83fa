package io.warden.tracestore.internal.wal;

import io.warden.tracestore.internal.ingest.IngestBatch;
import io.warden.core.trace.SpanText;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves acknowledged batches from the write-ahead log into one {@link SpanStore}, on its own
 * thread, in log order. Recent batches arrive in memory from the log writer; when the store falls
 * behind (the bounded queue overflows, the store is down, a write failed, or after a restart) the
 * applier reads the missing entries back from the log files. After each commit it records the last
 * committed entry in a checkpoint file next to the log, so the log can drop what every store has.
 *
 * <p>Internal: not public API.
 */
public final class StoreApplier implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreApplier.class);
  /** Most spans applied in one store write. */
  static final int MAX_BATCH_SPANS = 5_000;
  /**
   * Most spans held in memory for this store; beyond, the applier re-reads the log. Small: a span
   * that waits here for seconds outlives several young collections and is copied by each, while one
   * decoded from the log just before it is written dies young.
   */
  static final long MAX_QUEUED_SPANS = 25_000;

  /** One log entry to apply. */
  private record Item(long seq, IngestBatch.Encoded entry) {
    IngestBatch batch() {
      return entry.batch();
    }
  }

  private final SpanStore store;
  private final WriteAheadLog wal;
  private final Path checkpointFile;
  private final long commitEveryNanos;
  private final Runnable onCommitted;
  private final LinkedBlockingDeque<Item> queue = new LinkedBlockingDeque<>();
  private final AtomicLong queuedSpans = new AtomicLong();
  private final Thread thread;

  private volatile long applied;
  private volatile long committed;
  private volatile String problem = "";
  /**
   * The store's answer to {@link SpanStore#healthy()} at the applier's last look (optimistic until
   * then). Asked here, on the applier's thread, so that nobody else needs to ping the store.
   */
  private volatile boolean storeHealthy = true;
  private volatile boolean running = true;
  private long lastCommitNanos = System.nanoTime();
  private WriteAheadLog.Cursor cursor;
  private long cursorLast = -1;

  public StoreApplier(SpanStore store, WriteAheadLog wal, Path checkpointFile, Duration commitEvery,
      Runnable onCommitted) {
    this.store = store;
    this.wal = wal;
    this.checkpointFile = checkpointFile;
    this.commitEveryNanos = commitEvery.toNanos();
    this.onCommitted = onCommitted;
    this.committed = readCheckpoint(checkpointFile);
    this.applied = committed;
    this.thread = Thread.ofPlatform().daemon(true).name("TraceStore_Applier_" + store.name())
        .unstarted(this::run);
  }

  public void start() {
    thread.start();
  }

  static long readCheckpoint(Path file) {
    try {
      return Files.exists(file) ? Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip()) : 0;
    } catch (IOException | NumberFormatException e) {
      LOG.warn("unreadable checkpoint {}; replaying the whole write-ahead log (writes are idempotent)", file, e);
      return 0;
    }
  }

  public SpanStore store() {
    return store;
  }

  /** Last log entry written to the store. */
  public long appliedSeq() {
    return applied;
  }

  /** Last log entry the store has made durable. */
  public long committedSeq() {
    return committed;
  }

  /** Whether the store took writes at the applier's last look; never asks the store. */
  public boolean storeHealthy() {
    return storeHealthy;
  }

  /** Why the store is not keeping up, or "" when it is. */
  public String problem() {
    return problem;
  }

  /** Called on the log writer thread, in order, once an entry is durable. Never blocks. */
  public void offer(long seq, IngestBatch.Encoded entry) {
    int n = entry.batch().items();
    if (queuedSpans.get() + n > MAX_QUEUED_SPANS) {
      return; // Dropped from memory only: the applier reads it back from the log.
    }
    queuedSpans.addAndGet(n);
    queue.addLast(new Item(seq, entry));
  }

  private void run() {
    long backoffMillis = 100;
    while (running) {
      try {
        storeHealthy = store.healthy();
        if (!storeHealthy) {
          problem = "store " + store.name() + " is unavailable; spans wait in the write-ahead log";
          discardQueue();
          sleep(backoffMillis);
          backoffMillis = Math.min(backoffMillis * 2, 5_000);
          continue;
        }
        List<Item> work = nextWork();
        if (!work.isEmpty()) {
          apply(work);
          problem = "";
          backoffMillis = 100;
        }
        maybeCommit(false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (Exception e) {
        problem = "writing to store " + store.name() + " failed: " + e.getMessage()
            + "; spans wait in the write-ahead log";
        LOG.warn("writing to span store {} failed; retrying from the write-ahead log", store.name(), e);
        discardQueue();
        closeCursor();
        try {
          sleep(backoffMillis);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
        backoffMillis = Math.min(backoffMillis * 2, 5_000);
      }
    }
  }

  private void discardQueue() {
    Item it;
    while ((it = queue.pollFirst()) != null) {
      queuedSpans.addAndGet(-it.batch().items());
    }
  }

  private static void sleep(long millis) throws InterruptedException {
    Thread.sleep(millis); // Backoff while a store is down; not a test wait.
  }

  private List<Item> nextWork() throws InterruptedException, IOException {
    List<Item> work = new ArrayList<>();
    int spans = 0;
    long next = applied + 1;
    Item head = queue.peekFirst();
    while (head != null && head.seq < next) {
      take();
      head = queue.peekFirst();
    }
    if (head != null && head.seq == next) {
      while (head != null && head.seq == next && spans < MAX_BATCH_SPANS) {
        take();
        work.add(head);
        spans += head.batch().items();
        next++;
        head = queue.peekFirst();
      }
      return work;
    }
    if (wal.durableSeq() >= next) {
      // Behind the memory queue: read the missing entries back from the log.
      if (cursor == null || cursorLast != applied) {
        closeCursor();
        cursor = wal.cursor(applied);
        cursorLast = applied;
      }
      long limit = head == null ? Long.MAX_VALUE : head.seq - 1;
      while (spans < MAX_BATCH_SPANS && next <= limit) {
        WriteAheadLog.Entry e = cursor.next();
        if (e == null) {
          break;
        }
        IngestBatch.Encoded b = IngestBatch.decodeEncoded(e.payload());
        work.add(new Item(e.seq(), b));
        spans += b.batch().items();
        next = e.seq() + 1;
        cursorLast = e.seq();
      }
      return work;
    }
    closeCursor();
    Item waited = queue.pollFirst(100, TimeUnit.MILLISECONDS);
    if (waited != null) {
      queue.addFirst(waited);
    }
    return work;
  }

  private void take() {
    Item it = queue.pollFirst();
    if (it != null) {
      queuedSpans.addAndGet(-it.batch().items());
    }
  }

  private void closeCursor() {
    if (cursor != null) {
      cursor.close();
      cursor = null;
    }
    cursorLast = -1;
  }

  private void apply(List<Item> work) throws Exception {
    List<SpanRecord> spans = new ArrayList<>();
    List<ByteBuffer> encoded = new ArrayList<>();
    List<SpanText> attachments = new ArrayList<>();
    for (Item it : work) {
      spans.addAll(it.batch().spans());
      encoded.addAll(it.entry.spanEncodings());
      attachments.addAll(it.batch().attachments());
    }
    // Writes are idempotent on the span: a replay after a crash or a failed write, and a client
    // resending what it already had acknowledged, store each span once. The log entry's bytes of
    // each span go along: a store that keeps the encoded span need not encode it again.
    if (!spans.isEmpty()) {
      store.write(spans, encoded);
    }
    if (!attachments.isEmpty()) {
      store.attach(attachments);
    }
    applied = work.get(work.size() - 1).seq;
  }

  private void maybeCommit(boolean force) throws Exception {
    if (applied == committed) {
      return;
    }
    long now = System.nanoTime();
    if (!force && now - lastCommitNanos < commitEveryNanos) {
      return;
    }
    long upTo = applied;
    store.commit();
    writeCheckpoint(upTo);
    committed = upTo;
    lastCommitNanos = now;
    onCommitted.run();
  }

  private void writeCheckpoint(long seq) throws IOException {
    Path tmp = checkpointFile.resolveSibling(checkpointFile.getFileName() + ".tmp");
    Files.writeString(tmp, Long.toString(seq), StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
    try {
      Files.move(tmp, checkpointFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, checkpointFile, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Stops the thread after applying and committing what is queued (when the store is healthy). */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeCursor();
    try {
      if (store.healthy()) {
        List<Item> work;
        while (!(work = nextWork()).isEmpty()) {
          apply(work);
        }
        maybeCommit(true);
      }
    } catch (Exception e) {
      LOG.warn("final write to span store {} failed; the write-ahead log keeps the spans", store.name(), e);
    } finally {
      closeCursor();
    }
  }
}
