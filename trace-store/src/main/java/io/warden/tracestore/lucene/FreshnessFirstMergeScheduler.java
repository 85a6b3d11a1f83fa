package io.warden.tracestore.lucene;

import java.io.IOException;
import org.apache.lucene.index.ConcurrentMergeScheduler;
import org.apache.lucene.index.MergeTrigger;

/**
 * Lucene's concurrent merge scheduler, except that big merges yield to indexing while spans wait
 * to be indexed. On two cores a big merge takes a whole core for tens of seconds; under steady
 * ingest the writer thread then falls behind and what was acknowledged is not searchable for
 * seconds (issue 13: ack→searchable p99 7.5 s in the minutes a large merge ran at 40,000 spans/s).
 * While its owner says the index is behind, each merge of more than 50 MB (Lucene's threshold for
 * a big merge) writes at most {@value #BEHIND_MB_PER_SEC} MB/s, which paces its CPU too; small
 * merges, which keep the segment count down, are never slowed. Once the index has caught up, big
 * merges run at full speed again, and they always do while the writer closes (it waits for them)
 * and when merges have fallen so far behind that Lucene is about to stall indexing until they
 * catch up (one merge thread short of its limit): that stall would stop indexing altogether.
 *
 * <p>Lucene's own adaptive throttle (which starts at 20 MB/s and moves with the merge backlog) is
 * replaced by this two-state rate, set each time Lucene updates its merge threads.
 */
final class FreshnessFirstMergeScheduler extends ConcurrentMergeScheduler {
  /** Rate of each big merge's writes while the index is behind, in MB/s. */
  static final double BEHIND_MB_PER_SEC = 10;
  /** The scheduler's ceiling: unthrottled. */
  private static final double FULL_SPEED_MB_PER_SEC = 10_240;

  private boolean behind; // guarded by this
  private boolean closing; // guarded by this

  FreshnessFirstMergeScheduler() {
    enableAutoIOThrottle(); // lets updateMergeThreads apply targetMBPerSec, which rate() decides
  }

  /** Says whether spans wait to be indexed; big merges slow down or speed up at once. */
  synchronized void indexBehind(boolean behind) {
    if (this.behind != behind) {
      this.behind = behind;
      updateMergeThreads();
    }
  }

  /** Whether big merges are slowed now (for tests). */
  synchronized boolean slowed() {
    return rate() < FULL_SPEED_MB_PER_SEC;
  }

  @Override
  public synchronized void merge(MergeSource mergeSource, MergeTrigger trigger) throws IOException {
    if (trigger == MergeTrigger.CLOSING) {
      closing = true; // the writer waits for every merge: none may crawl
      updateMergeThreads();
    }
    super.merge(mergeSource, trigger);
  }

  @Override
  protected synchronized void updateMergeThreads() {
    // Lucene calls this whenever a merge starts (right after adapting targetMBPerSec for it) or
    // ends: ours replaces Lucene's adapted rate, and may itself have changed with the merge count.
    targetMBPerSec = rate();
    super.updateMergeThreads();
  }

  private double rate() {
    int most = getMaxMergeCount(); // -1 until a writer has set the scheduler up
    boolean nearStall = most > 0 && mergeThreadCount() >= most - 1;
    return behind && !closing && !nearStall ? BEHIND_MB_PER_SEC : FULL_SPEED_MB_PER_SEC;
  }
}
