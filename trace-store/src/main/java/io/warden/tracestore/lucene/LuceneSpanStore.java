package io.warden.tracestore.lucene;

import io.warden.core.WardenException;
import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanStore;
import io.warden.tracestore.SearchPage;
import io.warden.tracestore.SpanHit;
import io.warden.core.trace.SpanText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
/**
 * The embedded span store: a Lucene index on local disk. This class writes (spans, text that
 * arrives apart, commits) and owns the index's life; reading is {@link SpanSearch}'s, cost roll-ups
 * {@link CostRollup}'s, retention {@link SpanRetention}'s, the document layout and analyzers
 * {@link SpanDocuments}'.
 * It is both a {@link SpanStore} (structured
 * queries, cost roll-ups) and the full-text index (query syntax of Lucene's standard query parser
 * over prompts, completions, reasoning and tool arguments, with highlights).
 *
 * <p>Near-real-time: a background thread refreshes the searcher every {@value #REFRESH_MILLIS} ms,
 * so a written span is searchable within a second without a commit. Durability comes from the
 * write-ahead log; {@link #commit()} makes everything written so far durable in the index, after
 * which the log may drop it. Writes are idempotent on {@code (traceId, spanId)}.
 *
 * <p>Queries may use the fields {@code text}, {@code name}, {@code intent} and
 * {@code status_message} (these four are searched when a query names no field), {@code agent}, {@code model}, {@code request_model}, {@code response_model},
 * {@code tool}, {@code status}, {@code operation}, {@code service}, {@code conversation_id},
 * {@code trace_id}, {@code span_id}, {@code logical_trace_id}.
 */
public final class LuceneSpanStore implements SpanStore {
  private static final Logger LOG = LoggerFactory.getLogger(LuceneSpanStore.class);

  /** Name with the document layout version. */
  public static final String NAME = "lucene-v1";
  /**
   * Searcher refresh period: {@value} ms. Each refresh flushes a new segment (and so feeds merges);
   * half a second keeps a written span searchable within a second with half the segments of 250 ms.
   */
  public static final long REFRESH_MILLIS = 500;
  /** Most spans kept waiting for a span that has not arrived. */
  static final int MAX_PENDING_SPANS = 200_000;

  private final Path dir;
  private final FSDirectory directory;
  private final Analyzer analyzer;
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final SpanSearch search;
  private final CostRollup costs;
  private final SpanRetention retention;
  private final ScheduledExecutorService refresher;
  /** Text waiting for its span, by span key; mirrors the pending documents. */
  private final Map<String, String> pendingText = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private LuceneSpanStore(Path dir) throws IOException {
    this.dir = dir;
    this.directory = FSDirectory.open(dir);
    this.analyzer = SpanDocuments.analyzer();
    IndexWriterConfig config = new IndexWriterConfig(SpanDocuments.indexAnalyzer())
        .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
        .setRAMBufferSizeMB(128)
        // Plain segment files: compound files cost a second copy of every flushed segment.
        .setUseCompoundFile(false)
        .setCommitOnClose(true);
    TieredMergePolicy merges = new TieredMergePolicy();
    merges.setNoCFSRatio(0.0);
    config.setMergePolicy(merges);
    this.writer = new IndexWriter(directory, config);
    this.searchers = new SearcherManager(writer, null);
    this.search = new SpanSearch(searchers, analyzer);
    this.costs = new CostRollup(searchers);
    this.retention = new SpanRetention(writer, searchers);
    loadPending();
    this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "TraceStore_LuceneRefresh");
      t.setDaemon(true);
      return t;
    });
    refresher.scheduleWithFixedDelay(this::refresh, REFRESH_MILLIS, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Opens (creating if needed) the index in {@code dir}. */
  public static LuceneSpanStore open(Path dir) {
    try {
      return new LuceneSpanStore(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the Lucene span index in " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  public Path directory() {
    return dir;
  }

  private void refresh() {
    try {
      searchers.maybeRefresh();
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        LOG.warn("refreshing the Lucene span searcher failed", e);
      }
    }
  }

  /** Makes every span written so far searchable now (tests and callers that must read their writes). */
  public void refreshNow() throws IOException {
    searchers.maybeRefreshBlocking();
  }

  private void loadPending() throws IOException {
    IndexSearcher s = searchers.acquire();
    try {
      TopDocs docs = s.search(new TermQuery(new Term(SpanDocuments.KIND, SpanDocuments.KIND_PENDING)),
          MAX_PENDING_SPANS);
      StoredFields stored = s.storedFields();
      for (ScoreDoc sd : docs.scoreDocs) {
        Document d = stored.document(sd.doc);
        pendingText.merge(d.get(SpanDocuments.PENDING_FOR), d.get(SpanDocuments.PENDING_TEXT), LuceneSpanStore::join);
      }
    } finally {
      searchers.release(s);
    }
  }

  private static String join(String a, String b) {
    return a.isEmpty() ? b : b.isEmpty() ? a : a + "\n" + b;
  }

  /**
   * Stores spans; a span stored before is replaced (idempotent on trace and span id), whenever it
   * was stored: every span is written as an update by its id term. Lucene applies the buffered
   * deletes when the segment is flushed, one term seek per older segment, which measured no
   * dearer than appending (the CPU is in analysing the text); a window of recently seen ids, as
   * before, missed resends after a restart or after the window had moved on.
   */
  @Override
  public void write(List<SpanRecord> spans) throws IOException {
    for (SpanRecord s : spans) {
      SpanRecord span = s;
      String key = s.key();
      if (!pendingText.isEmpty()) {
        String waiting = pendingText.remove(key);
        if (waiting != null) {
          span = s.withText(join(s.text(), waiting));
          writer.deleteDocuments(new Term(SpanDocuments.PENDING_FOR, key));
        }
      }
      writer.updateDocument(new Term(SpanDocuments.ID, key), SpanDocuments.toDocument(span));
    }
  }

  /**
   * Appends text that arrived apart from its span (GenAI log records). A span not stored yet gets
   * the text when it arrives.
   */
  @Override
  public void attach(List<SpanText> attachments) throws IOException {
    if (attachments.isEmpty()) {
      return;
    }
    Map<String, List<SpanText>> bySpan = new LinkedHashMap<>();
    for (SpanText a : attachments) {
      bySpan.computeIfAbsent(a.spanKey(), k -> new ArrayList<>()).add(a);
    }
    searchers.maybeRefreshBlocking();
    IndexSearcher s = searchers.acquire();
    try {
      StoredFields stored = s.storedFields();
      for (var e : bySpan.entrySet()) {
        StringBuilder text = new StringBuilder();
        for (SpanText a : e.getValue()) {
          text.append(text.isEmpty() ? "" : "\n").append(a.text());
        }
        TopDocs hit = s.search(new TermQuery(new Term(SpanDocuments.ID, e.getKey())), 1);
        if (hit.scoreDocs.length > 0) {
          SpanRecord span = SpanSearch.read(stored, hit.scoreDocs[0].doc);
          writer.updateDocument(new Term(SpanDocuments.ID, e.getKey()),
              SpanDocuments.toDocument(span.withText(join(span.text(), text.toString()))));
        } else if (pendingText.size() < MAX_PENDING_SPANS || pendingText.containsKey(e.getKey())) {
          pendingText.merge(e.getKey(), text.toString(), LuceneSpanStore::join);
          writer.addDocument(SpanDocuments.pendingDocument(e.getKey(), e.getValue().get(0).timeEpochNanos(),
              text.toString()));
        } else {
          LOG.warn("dropping text for span {}: {} spans already wait for their text", e.getKey(), MAX_PENDING_SPANS);
        }
      }
    } finally {
      searchers.release(s);
    }
  }

  /** Makes every write so far durable in the index. */
  @Override
  public void commit() throws IOException {
    writer.commit();
  }

  /**
   * One page of spans matching {@code query}, newest first, with highlighted passages of the text
   * when {@code highlight} is set and the query has text.
   *
   * @throws WardenException {@code invalid_input} for a malformed query or cursor, naming the position
   */
  public SearchPage search(SpanQuery query, boolean highlight) throws IOException {
    return search.search(query, highlight);
  }

  /** Every span of one trace, oldest first (at most {@value SpanSearch#MAX_TRACE_SPANS}). */
  public List<SpanRecord> trace(String traceId) throws IOException {
    return search.trace(traceId);
  }

  /** Spans of any of {@code traceIds}, or assigned to any of them as logical trace, oldest first. */
  public List<SpanRecord> spansOf(Collection<String> traceIds, int max) throws IOException {
    return search.spansOf(traceIds, max);
  }

  /** Spans that link to, or were delegated from, any of {@code traceIds}. */
  public List<SpanRecord> spansLinkingTo(Collection<String> traceIds, int max) throws IOException {
    return search.spansLinkingTo(traceIds, max);
  }

  /** Number of spans stored (pending text excluded). */
  public long count() throws IOException {
    return search.count();
  }

  @Override
  public List<CostRow> costs(CostGroup group, Instant from, Instant to) throws IOException {
    return costs.costs(group, from, to);
  }

  /**
   * Retention: deletes spans (and waiting text) that started before {@code spansBefore}, and removes
   * the text (prompts, completions) of spans that started before {@code textBefore} while keeping
   * the span.
   */
  @Override
  public Retained enforceRetention(Instant spansBefore, Instant textBefore) throws IOException {
    return retention.enforce(spansBefore, textBefore);
  }

  @Override
  public Page query(SpanQuery query) throws IOException {
    SearchPage page = search(query, false);
    return new Page(page.hits().stream().map(SpanHit::span).toList(), page.nextCursor());
  }

  @Override
  public boolean healthy() {
    return !closed && writer.isOpen() && writer.getTragicException() == null;
  }

  /** Why the index cannot take writes, or "" when it can. */
  public String problem() {
    Throwable t = writer.getTragicException();
    return closed ? "closed" : t != null ? "index writer failed: " + t.getMessage() : "";
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    refresher.shutdownNow();
    try {
      searchers.close();
      writer.close();
      directory.close();
    } catch (IOException e) {
      LOG.warn("closing the Lucene span index in {}", dir, e);
    }
  }
}
