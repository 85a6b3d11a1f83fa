package io.warden.tracestore.lucene;

import java.io.IOException;
import java.util.List;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ReferenceManager;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * Whether a span is stored already, so that a new span is appended and only a span sent again is
 * written as an update by its id term. An update costs a seek of its id in every older segment
 * when Lucene applies its delete at the next flush (in a profile at 8.5M spans: three fifths of the
 * refresh thread, an eighth of the process); here almost every new span is told apart by one hash.
 *
 * <p>Three sources: a Bloom filter of every span key stored ({@link SpanKeyFilter}, built from the
 * index's id terms at open and again when it is full or retention has deleted spans) says "never
 * stored" for almost every new span; the keys written since the searcher last refreshed, and while
 * it refreshes (64-bit hashes, kept until a refresh has made them visible); and, for the rest
 * (spans sent again, and the filter's ~1% false "maybe"), the id term looked up in every segment
 * of the searcher. A hash shared by two keys makes a new span an update: slower, never wrong.
 *
 * <p>The refresh listener, the writer and a rebuild may run on different threads; the sets and
 * filters change under this object's lock. Spans are written from one thread at a time, as the
 * {@code SpanStore} contract has it: two threads writing the same new span at once could both
 * append it.
 */
final class StoredSpanIds implements ReferenceManager.RefreshListener {
  private enum Answer { NEW, RECENT, LOOK_UP }

  /** Id terms hashed before the lock is taken to add them, during a rebuild. */
  private static final int REBUILD_CHUNK = 4096;

  private final SearcherManager searchers;
  private SpanKeyHashes sinceRefresh = new SpanKeyHashes();
  private SpanKeyHashes inRefresh = new SpanKeyHashes();
  /** Refreshes that made written keys visible: a lookup's searcher older than the last one is renewed. */
  private long refreshes;
  private SpanKeyFilter stored = new SpanKeyFilter(0);
  /** The filter a rebuild is filling, or null: keys written meanwhile go into both. */
  private SpanKeyFilter building;

  private StoredSpanIds(SearcherManager searchers) {
    this.searchers = searchers;
  }

  /** Ids of the spans the searchers' index holds; builds its filter from the index now. */
  static StoredSpanIds open(SearcherManager searchers) throws IOException {
    StoredSpanIds ids = new StoredSpanIds(searchers);
    searchers.addListener(ids);
    ids.rebuild();
    return ids;
  }

  /** Records a span just written (after the write: a refresh that starts later shows it). */
  synchronized void written(long keyHash) {
    sinceRefresh.add(keyHash);
    stored.add(keyHash);
    if (building != null) {
      building.add(keyHash);
    }
  }

  private synchronized Answer answer(long keyHash) {
    // The filter first: every key written is in it (written adds it, a rebuild reads the index after
    // its refresh and takes what is written meanwhile), so its "never" spares a new span the sets.
    if (!stored.mightContain(keyHash)) {
      return Answer.NEW;
    }
    if (sinceRefresh.contains(keyHash) || inRefresh.contains(keyHash)) {
      return Answer.RECENT;
    }
    return Answer.LOOK_UP;
  }

  private synchronized long refreshes() {
    return refreshes;
  }

  /** The filter's capacity (tests). */
  synchronized long capacity() {
    return stored.capacity();
  }

  /** Builds a larger filter when this one holds more keys than it was made for; call it outside writes. */
  void rebuildIfFull() throws IOException {
    synchronized (this) {
      if (!stored.full()) {
        return;
      }
    }
    rebuild();
  }

  /**
   * Builds the filter again from the index's id terms, for twice the keys the current one holds
   * (deleted spans' keys drop out): 2.5 bytes of memory per span, a false "maybe" for about 4 in
   * 10,000 new spans after a rebuild and 1 in 100 when it is full again. Keys written while it runs
   * go into both filters, and the searcher it reads is opened after it started, so no stored span is
   * missing from the new one.
   */
  void rebuild() throws IOException {
    long documents;
    IndexSearcher current = searchers.acquire();
    try {
      documents = current.getIndexReader().maxDoc(); // at open: how many keys to expect
    } finally {
      searchers.release(current);
    }
    SpanKeyFilter next;
    synchronized (this) {
      if (building != null) {
        return; // another thread is at it
      }
      next = new SpanKeyFilter(2 * Math.max(stored.added(), documents));
      building = next;
    }
    try {
      searchers.maybeRefreshBlocking();
      IndexSearcher searcher = searchers.acquire();
      try {
        long[] chunk = new long[REBUILD_CHUNK];
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
          Terms terms = leaf.reader().terms(SpanDocuments.ID);
          if (terms == null) {
            continue;
          }
          TermsEnum ids = terms.iterator();
          int n = 0;
          for (BytesRef id = ids.next(); id != null; id = ids.next()) {
            chunk[n++] = SpanKeyHashes.hashOfIdTerm(id);
            if (n == chunk.length) {
              addAll(next, chunk, n);
              n = 0;
            }
          }
          addAll(next, chunk, n);
        }
      } finally {
        searchers.release(searcher);
      }
      synchronized (this) {
        stored = next;
      }
    } finally {
      synchronized (this) {
        building = null;
      }
    }
  }

  private synchronized void addAll(SpanKeyFilter filter, long[] hashes, int n) {
    for (int i = 0; i < n; i++) {
      filter.add(hashes[i]);
    }
  }

  @Override
  public synchronized void beforeRefresh() {
    if (!sinceRefresh.isEmpty()) {
      inRefresh = sinceRefresh;
      sinceRefresh = new SpanKeyHashes();
    }
  }

  @Override
  public synchronized void afterRefresh(boolean didRefresh) {
    if (inRefresh.isEmpty()) {
      return;
    }
    if (didRefresh) {
      refreshes++;
    } else {
      sinceRefresh.addAll(inRefresh); // failed, or nothing new to show: keep them for the next one
    }
    inRefresh = new SpanKeyHashes();
  }

  /** A lookup for one batch of writes, on one thread; close it to release its searcher. */
  Lookup lookup() {
    return new Lookup();
  }

  final class Lookup implements AutoCloseable {
    private IndexSearcher searcher;
    private long searcherRefreshes = -1;
    private TermsEnum[] ids = new TermsEnum[0];
    private Bits[] live = new Bits[0];

    /** Whether the span with id term {@code id} and key hash {@code keyHash} may be stored. */
    boolean stored(BytesRef id, long keyHash) throws IOException {
      Answer answer = answer(keyHash);
      if (answer != Answer.LOOK_UP) {
        return answer == Answer.RECENT;
      }
      // Keys leave the sets only once a refresh shows them: a searcher from before it would not.
      long seen = refreshes();
      if (seen != searcherRefreshes) {
        release();
        searcher = searchers.acquire();
        searcherRefreshes = seen;
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        ids = new TermsEnum[leaves.size()];
        live = new Bits[leaves.size()];
        for (int i = 0; i < ids.length; i++) {
          Terms terms = leaves.get(i).reader().terms(SpanDocuments.ID);
          ids[i] = terms == null ? null : terms.iterator();
          live[i] = leaves.get(i).reader().getLiveDocs();
        }
      }
      for (int i = 0; i < ids.length; i++) {
        if (ids[i] != null && ids[i].seekExact(id)) {
          PostingsEnum docs = ids[i].postings(null, PostingsEnum.NONE);
          for (int d = docs.nextDoc(); d != DocIdSetIterator.NO_MORE_DOCS; d = docs.nextDoc()) {
            if (live[i] == null || live[i].get(d)) {
              return true;
            }
          }
        }
      }
      return false;
    }

    private void release() throws IOException {
      if (searcher != null) {
        searchers.release(searcher);
        searcher = null;
      }
    }

    @Override
    public void close() throws IOException {
      release();
    }
  }
}
