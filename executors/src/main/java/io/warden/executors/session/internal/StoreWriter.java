package io.warden.executors.session.internal;

import io.warden.core.store.StateStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit on a {@link StateStore}: writes from many threads are applied in one
 * {@link StateStore#update} (one fsync) by a single worker, each caller waiting for its own write to
 * be durable. Every {@code StateStore.update} syncs, so without this a burst of invocations would
 * queue one fsync each behind the store's write lock. Writes run in submission order, and a write
 * sees the staged writes submitted before it (the store's transaction does).
 *
 * <p>Bounded: at most {@value #CAPACITY} writes wait; a caller beyond that blocks until there is room.
 * Internal: not public API.
 */
final class StoreWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreWriter.class);
  static final int CAPACITY = 4096;
  private static final int MAX_BATCH = 512;

  private record Pending(Consumer<StateStore.Transaction> writes, CompletableFuture<Void> done) {}

  private final StateStore store;
  private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(CAPACITY);
  private final Thread worker;
  private volatile boolean closed;

  StoreWriter(StateStore store) {
    this.store = store;
    this.worker = Thread.ofPlatform().daemon().name("SessionRouter_Writer").start(this::run);
  }

  /** Applies {@code writes} durably; returns when they are on disk. Writes must not throw. */
  void write(Consumer<StateStore.Transaction> writes) {
    await(submit(writes));
  }

  /**
   * Queues {@code writes} (blocking while the queue is full) and returns at once; the future
   * completes when they are on disk. Writes must not throw.
   */
  CompletableFuture<Void> submit(Consumer<StateStore.Transaction> writes) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (closed) {
      throw new IllegalStateException("the session store is closed");
    }
    try {
      queue.put(new Pending(writes, done));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while queueing a session store write", e);
    }
    return done;
  }

  /** Waits for a write {@link #submit} queued. */
  static void await(CompletableFuture<Void> written) {
    try {
      written.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : e;
    }
  }

  private void run() {
    List<Pending> batch = new ArrayList<>(MAX_BATCH);
    while (!closed || !queue.isEmpty()) {
      try {
        Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        apply(batch);
      } catch (InterruptedException e) {
        if (closed) {
          break;
        }
      } finally {
        batch.clear();
      }
    }
    Pending left;
    while ((left = queue.poll()) != null) {
      left.done().completeExceptionally(new IllegalStateException("the session store is closed"));
    }
  }

  private void apply(List<Pending> batch) {
    try {
      store.update(tx -> batch.forEach(p -> p.writes().accept(tx)));
      batch.forEach(p -> p.done().complete(null));
    } catch (RuntimeException e) {
      if (batch.size() == 1) {
        batch.getFirst().done().completeExceptionally(e);
        return;
      }
      LOG.warn("a batch of {} session store writes failed; writing them one by one", batch.size(), e);
      for (Pending p : batch) {
        try {
          store.update(p.writes());
          p.done().complete(null);
        } catch (RuntimeException one) {
          p.done().completeExceptionally(one);
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      worker.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
