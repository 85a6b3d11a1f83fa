package io.warden.executors.session.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The requests of one agent: at most {@code maxConcurrency} running, at most {@code maxQueue}
 * waiting, and at most one running per partition key (a session or a tenant; a request without one
 * gets a key of its own). Keys take turns in arrival order, and a key's requests run in the order
 * they were admitted. A task runs on a virtual thread of its own, so threads are bounded by
 * {@code maxConcurrency}.
 *
 * <p>Internal: not public API. Thread-safe.
 */
final class AgentLane {
  /** Completions remembered for the drain rate. */
  private static final int RATE_WINDOW = 256;

  private final String agent;
  private final ReentrantLock lock = new ReentrantLock();
  private int maxConcurrency;
  private int maxQueue;
  private int running;
  private int queued;
  private final Map<String, ArrayDeque<Task>> waiting = new HashMap<>();
  private final Set<String> busy = new HashSet<>();
  private final ArrayDeque<String> ready = new ArrayDeque<>();
  private final long[] completions = new long[RATE_WINDOW];
  private long completed;

  AgentLane(String agent, int maxConcurrency, int maxQueue) {
    this.agent = agent;
    this.maxConcurrency = maxConcurrency;
    this.maxQueue = maxQueue;
  }

  /** Takes the descriptor's current limits; running work is never cut short. */
  void limits(int newMaxConcurrency, int newMaxQueue) {
    List<Runnable> start;
    lock.lock();
    try {
      maxConcurrency = newMaxConcurrency;
      maxQueue = newMaxQueue;
      start = dispatch();
    } finally {
      lock.unlock();
    }
    start.forEach(this::launch);
  }

  /**
   * A request's work. It gets the call that frees its slot, so it can hand the slot to the next
   * request before it finishes its own bookkeeping; the slot is freed when it returns in any case.
   */
  @FunctionalInterface
  interface Task {
    void run(Runnable releaseSlot);
  }

  /**
   * Admits {@code task} under {@code key}; false (nothing queued) when the queue is full.
   * {@code task} must not throw.
   */
  boolean submit(String key, Task task) {
    List<Runnable> start;
    lock.lock();
    try {
      if (!busy.contains(key) && running < maxConcurrency && ready.isEmpty()) {
        busy.add(key);
        running++;
        start = List.of(wrap(key, task));
      } else {
        if (queued >= maxQueue) {
          return false;
        }
        queued++;
        ArrayDeque<Task> q = waiting.computeIfAbsent(key, k -> new ArrayDeque<>());
        q.add(task);
        if (q.size() == 1 && !busy.contains(key)) {
          ready.add(key);
        }
        start = dispatch();
      }
    } finally {
      lock.unlock();
    }
    start.forEach(this::launch);
    return true;
  }

  private Runnable wrap(String key, Task task) {
    return () -> {
      java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
      Runnable release = () -> {
        if (released.compareAndSet(false, true)) {
          finished(key);
        }
      };
      try {
        task.run(release);
      } finally {
        release.run();
      }
    };
  }

  private void finished(String key) {
    List<Runnable> start;
    lock.lock();
    try {
      running--;
      busy.remove(key);
      completions[(int) (completed++ % RATE_WINDOW)] = System.nanoTime();
      if (waiting.containsKey(key)) {
        ready.add(key);
      }
      start = dispatch();
    } finally {
      lock.unlock();
    }
    start.forEach(this::launch);
  }

  /** Under the lock: takes the tasks that may start now. */
  private List<Runnable> dispatch() {
    List<Runnable> start = new ArrayList<>();
    while (running < maxConcurrency && !ready.isEmpty()) {
      String key = ready.poll();
      ArrayDeque<Task> q = waiting.get(key);
      Task task = q.poll();
      if (q.isEmpty()) {
        waiting.remove(key);
      }
      queued--;
      busy.add(key);
      running++;
      start.add(wrap(key, task));
    }
    return start;
  }

  private void launch(Runnable task) {
    Thread.ofVirtual().name("invoke-" + agent).start(task);
  }

  /** Seconds until the queue has room, from the measured drain rate (at least 1). */
  long retryAfterSeconds() {
    lock.lock();
    try {
      long n = Math.min(completed, RATE_WINDOW);
      if (n < 2) {
        return 1;
      }
      long newest = completions[(int) ((completed - 1) % RATE_WINDOW)];
      long oldest = completions[(int) ((completed - n) % RATE_WINDOW)];
      double seconds = Math.max(1e-3, (newest - oldest) / 1e9);
      double perSecond = (n - 1) / seconds;
      // The last completion long ago means the runtime is stuck: the rate says nothing current.
      double sinceLast = (System.nanoTime() - newest) / 1e9;
      double wait = (queued + 1) / perSecond + Math.max(0, sinceLast - seconds);
      return Math.max(1, Math.min(300, (long) Math.ceil(wait)));
    } finally {
      lock.unlock();
    }
  }

  int running() {
    lock.lock();
    try {
      return running;
    } finally {
      lock.unlock();
    }
  }

  int queued() {
    lock.lock();
    try {
      return queued;
    } finally {
      lock.unlock();
    }
  }

  int maxConcurrency() {
    return maxConcurrency;
  }
}
