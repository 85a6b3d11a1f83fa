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
 * refresh thread, an eighth of the process); here a span is looked up once, and the id terms'
 * Bloom filters ({@link SpanDocuments#codec()}) answer "not in this segment" for almost every
 * segment without reading its terms.
 *
 * <p>The searcher shows what was written before its last refresh; the keys written since (and
 * while it refreshes) are kept here as 64-bit hashes until a refresh has made them visible. A hash
 * shared by two keys makes a new span an update: slower, never wrong. Refresh listener and writer
 * may run on different threads; the sets change under this object's lock.
 */
final class StoredSpanIds implements ReferenceManager.RefreshListener {
  private final SearcherManager searchers;
  private SpanKeyHashes sinceRefresh = new SpanKeyHashes();
  private SpanKeyHashes inRefresh = new SpanKeyHashes();
  /** Refreshes that made written keys visible: a lookup's searcher older than the last one is renewed. */
  private long refreshes;

  StoredSpanIds(SearcherManager searchers) {
    this.searchers = searchers;
    searchers.addListener(this);
  }

  /** Records a span just written (after the write: a refresh that starts later shows it). */
  synchronized void written(long keyHash) {
    sinceRefresh.add(keyHash);
  }

  private synchronized boolean unrefreshed(long keyHash) {
    return sinceRefresh.contains(keyHash) || inRefresh.contains(keyHash);
  }

  private synchronized long refreshes() {
    return refreshes;
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
      if (unrefreshed(keyHash)) {
        return true;
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
