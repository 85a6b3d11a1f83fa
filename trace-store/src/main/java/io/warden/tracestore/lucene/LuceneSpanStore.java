package io.warden.tracestore.lucene;

import io.warden.core.WardenException;
import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanStore;
import io.warden.core.trace.SpanText;
import io.warden.tracestore.SearchPage;
import io.warden.tracestore.SpanHit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.PointValues;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ReferenceManager;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.jspecify.annotations.Nullable;
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
  public static final String NAME = "lucene-v4";
  /**
   * The layouts before this one, newest first: {@link #OPENED_AS_IS} as it is, the older ones
   * upgraded at open by a copy of the index; {@code lucene-v1} is what an index without a
   * {@link #LAYOUT} entry in its commit holds.
   */
  public static final List<String> PREVIOUS_NAMES = List.of("lucene-v3", "lucene-v2", "lucene-v1");
  /**
   * The previous layout whose documents and fields are this one's: {@code lucene-v4} only keeps the
   * {@code id} terms of new segments in another terms dictionary ({@link SpanDocuments#codec()}),
   * which Lucene reads segment by segment, so a {@code lucene-v3} index needs no copy; its next
   * commit names {@code lucene-v4}, so that an earlier Warden refuses it by name instead of failing
   * on a postings format it lacks.
   */
  static final String OPENED_AS_IS = "lucene-v3";
  /** Commit user data key naming the document layout of the index ({@link #NAME}). */
  static final String LAYOUT = "warden.layout";
  /**
   * Searcher refresh period: {@value} ms. Each refresh flushes a new segment (and so feeds merges);
   * half a second keeps a written span searchable within a second with half the segments of 250 ms.
   * A second measured no better: the merges it saves come back on the writing thread, whose
   * in-memory term tables grow with a second of spans (LuceneWriteBench, issue 13).
   */
  public static final long REFRESH_MILLIS = 500;
  /**
   * Segments per tier of the merge policy (Lucene's default is 8), and so per merge. A span is
   * rewritten about once per tier it passes through: wider tiers mean fewer tiers and fewer
   * rewrites (44% less merge CPU in LuceneWriteBench at 2.25M spans), for more segments for a
   * search to visit.
   */
  static final int SEGMENTS_PER_TIER = 20;
  /** Most spans kept waiting for a span that has not arrived. */
  static final int MAX_PENDING_SPANS = 200_000;
  /**
   * A write of at least this many spans means spans wait to be indexed: the applier hands over
   * what has arrived since its last write (a request or a few when it keeps up) and at most
   * 5,000 at once when it is behind. Big merges yield while writes are this large.
   */
  static final int BEHIND_BATCH_SPANS = 2_048;
  /** Attached text documents of one span read at most: there is one (each update replaces it). */
  private static final int MAX_ATTACHED_DOCUMENTS_READ = 16;
  private static final Set<String> TEXT_FIELD = Set.of(SpanDocuments.PENDING_TEXT);

  private final Path dir;
  private final FSDirectory directory;
  private final Analyzer analyzer;
  private final FreshnessFirstMergeScheduler merges = new FreshnessFirstMergeScheduler();
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final StoredSpanIds storedIds;
  private final SpanSearch search;
  private final CostRollup costs;
  private final SpanRetention retention;
  private final ScheduledExecutorService refresher;
  /**
   * Text waiting for its span, by span key; mirrors the pending documents. Changed under
   * {@link #textLock}.
   */
  private final Map<String, String> pendingText = new ConcurrentHashMap<>();
  /**
   * The spans that have text documents, waiting or attached: a span whose key is not here is
   * written without a lookup. Changed under {@link #textLock} (by the applier's thread); rebuilt
   * from the index at open and after retention, and then replaced whole.
   */
  private volatile SpanKeyHashes textKeys = new SpanKeyHashes();
  /**
   * Keys of attached text documents written since the searcher last refreshed, and while it
   * refreshes: a span written again needs a fresh searcher to see its text only when its key is here.
   */
  private volatile Set<String> attachedSinceRefresh = ConcurrentHashMap.newKeySet();
  private volatile Set<String> attachedInRefresh = Set.of();
  /** Held while text documents and {@link #pendingText} change (attach, joins, retention). */
  private final Object textLock = new Object();
  private volatile boolean closed;

  private LuceneSpanStore(Path dir) throws IOException {
    this.dir = dir;
    this.directory = FSDirectory.open(dir);
    this.analyzer = SpanDocuments.analyzer();
    String layout = layout(directory);
    boolean asItIs = layout.isEmpty() || layout.equals(NAME) || layout.equals(OPENED_AS_IS);
    if (!asItIs && PREVIOUS_NAMES.contains(layout)) {
      try {
        upgrade(layout);
      } catch (IOException | RuntimeException e) {
        directory.close();
        throw e;
      }
    } else if (!asItIs) {
      directory.close();
      throw new IOException("the index has document layout '" + layout + "', which this Warden cannot read (it writes "
          + NAME + " and opens " + String.join(", ", PREVIOUS_NAMES) + "); run the Warden that wrote it, or move the directory away "
          + "to rebuild the index from the write-ahead log");
    }
    this.writer = new IndexWriter(directory,
        writerConfig(IndexWriterConfig.OpenMode.CREATE_OR_APPEND).setMergeScheduler(merges));
    // Every commit names the layout, so a later version knows what it opens.
    writer.setLiveCommitData(Map.of(LAYOUT, NAME).entrySet());
    this.searchers = new SearcherManager(writer, null);
    searchers.addListener(new ReferenceManager.RefreshListener() {
      @Override
      public void beforeRefresh() {
        // Written before this refresh opens its reader: visible once it is done.
        if (!attachedSinceRefresh.isEmpty()) {
          attachedInRefresh = attachedSinceRefresh;
          attachedSinceRefresh = ConcurrentHashMap.newKeySet();
        }
      }

      @Override
      public void afterRefresh(boolean didRefresh) {
        if (!didRefresh && !attachedInRefresh.isEmpty()) {
          attachedSinceRefresh.addAll(attachedInRefresh); // failed (or had nothing new): ask again
        }
        attachedInRefresh = Set.of();
      }
    });
    this.storedIds = StoredSpanIds.open(searchers);
    this.search = new SpanSearch(searchers, analyzer);
    this.costs = new CostRollup(searchers);
    this.retention = new SpanRetention(writer, searchers);
    loadTextDocuments();
    this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "TraceStore_LuceneRefresh");
      t.setDaemon(true);
      return t;
    });
    refresher.scheduleWithFixedDelay(this::refresh, REFRESH_MILLIS, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
  }

  private static IndexWriterConfig writerConfig(IndexWriterConfig.OpenMode mode) {
    IndexWriterConfig config = new IndexWriterConfig(SpanDocuments.indexAnalyzer())
        .setOpenMode(mode)
        .setRAMBufferSizeMB(128)
        .setCodec(SpanDocuments.codec())
        // Plain segment files: compound files cost a second copy of every flushed segment.
        .setUseCompoundFile(false)
        .setCommitOnClose(true);
    TieredMergePolicy policy = new TieredMergePolicy();
    policy.setNoCFSRatio(0.0);
    policy.setSegmentsPerTier(SEGMENTS_PER_TIER);
    policy.setMaxMergeAtOnce(SEGMENTS_PER_TIER);
    config.setMergePolicy(policy);
    // Newest segments first: spans arrive roughly in the order they start, so a newest-first page
    // fills from the first segments searched, and Lucene then skips every segment whose newest span
    // is older than the page's last hit (by the start time's points) without visiting its matches.
    config.setLeafSorter(Comparator.comparingLong(LuceneSpanStore::newestStart).reversed());
    return config;
  }

  /** The latest start time in a segment (deleted spans included); segments without spans last. */
  private static long newestStart(LeafReader segment) {
    try {
      PointValues starts = segment.getPointValues(SpanDocuments.START);
      return starts == null ? Long.MIN_VALUE : LongPoint.decodeDimension(starts.getMaxPackedValue(), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The layout of the index's last commit: "" when there is no index yet. */
  static String layout(Directory directory) throws IOException {
    if (!DirectoryReader.indexExists(directory)) {
      return "";
    }
    return SegmentInfos.readLatestCommit(directory).getUserData().getOrDefault(LAYOUT, "lucene-v1");
  }

  /**
   * Rewrites an index of an older layout ({@link #PREVIOUS_NAMES}) as {@link #NAME} in place: every
   * span (read back from its stored source and text) and every text still waiting for its span is
   * written again, and one commit replaces the old index. Until that commit the old one is the index
   * on disk, so a crash part way leaves it whole and the next start upgrades again; nothing is
   * dropped. A new index rather than new documents: Lucene refuses to turn norms off on an existing
   * field ({@code lucene-v1}), and every id term changed ({@code lucene-v2}: {@code traceId:spanId}).
   */
  private void upgrade(String from) throws IOException {
    long started = System.nanoTime();
    long spans = 0;
    long pending = 0;
    LOG.info("upgrading the span index in {} from {} to {} (a one-time copy; searches wait for it)", dir,
        from, NAME);
    // No commit on close: a failure part way must leave the old commit the latest.
    try (DirectoryReader old = DirectoryReader.open(directory);
        IndexWriter w = new IndexWriter(directory,
            writerConfig(IndexWriterConfig.OpenMode.CREATE).setCommitOnClose(false))) {
      for (LeafReaderContext leaf : old.leaves()) {
        LeafReader r = leaf.reader();
        Bits live = r.getLiveDocs();
        StoredFields stored = r.storedFields();
        NumericDocValues starts = r.getNumericDocValues(SpanDocuments.START);
        for (int doc = 0; doc < r.maxDoc(); doc++) {
          if (live != null && !live.get(doc)) {
            continue;
          }
          Document d = stored.document(doc);
          String waitingFor = d.get(SpanDocuments.PENDING_FOR);
          if (waitingFor != null) {
            long time = starts != null && starts.advanceExact(doc) ? starts.longValue() : 0;
            w.addDocument(SpanDocuments.pendingDocument(waitingFor, time, d.get(SpanDocuments.PENDING_TEXT)));
            pending++;
          } else if (d.getBinaryValue(SpanDocuments.SOURCE) != null) {
            w.addDocument(SpanDocuments.toDocument(SpanSearch.read(stored, doc)));
            spans++;
          }
        }
      }
      w.setLiveCommitData(Map.of(LAYOUT, NAME).entrySet());
      w.commit();
    }
    LOG.info("upgraded the span index in {} to {}: {} spans and {} waiting texts in {} s", dir, NAME, spans, pending,
        (System.nanoTime() - started) / 1_000_000_000L);
  }

  /** Opens (creating if needed) the index in {@code dir}; an index in a previous layout is upgraded first. */
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

  /** How many span keys the filter of stored spans is made for (tests). */
  long storedKeyCapacity() {
    return storedIds.capacity();
  }

  /** Makes every span written so far searchable now (tests and callers that must read their writes). */
  public void refreshNow() throws IOException {
    searchers.maybeRefreshBlocking();
  }

  /**
   * Reads what the index holds of text apart from spans: the waiting text into {@link #pendingText},
   * and the key of every text document, waiting or attached, into {@link #textKeys} (from the key
   * field's terms, no stored field read). At open, and after retention deleted some.
   */
  private void loadTextDocuments() throws IOException {
    synchronized (textLock) {
      searchers.maybeRefreshBlocking();
      IndexSearcher s = searchers.acquire();
      try {
        pendingText.clear();
        TopDocs docs = s.search(new TermQuery(new Term(SpanDocuments.KIND, SpanDocuments.KIND_PENDING)),
            MAX_PENDING_SPANS);
        StoredFields stored = s.storedFields();
        for (ScoreDoc sd : docs.scoreDocs) {
          Document d = stored.document(sd.doc);
          pendingText.merge(d.get(SpanDocuments.PENDING_FOR), d.get(SpanDocuments.PENDING_TEXT), LuceneSpanStore::join);
        }
        SpanKeyHashes keys = new SpanKeyHashes();
        for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
          Terms terms = leaf.reader().terms(SpanDocuments.PENDING_FOR);
          if (terms == null) {
            continue;
          }
          Bits live = leaf.reader().getLiveDocs();
          TermsEnum keyTerms = terms.iterator();
          PostingsEnum docsOfKey = null;
          for (BytesRef key = keyTerms.next(); key != null; key = keyTerms.next()) {
            docsOfKey = keyTerms.postings(docsOfKey, PostingsEnum.NONE);
            if (anyLive(docsOfKey, live)) {
              keys.add(SpanKeyHashes.hash(key.utf8ToString()));
            }
          }
        }
        textKeys = keys;
      } finally {
        searchers.release(s);
      }
    }
  }

  private static boolean anyLive(PostingsEnum docs, @Nullable Bits live) throws IOException {
    for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
      if (live == null || live.get(doc)) {
        return true;
      }
    }
    return false;
  }

  private static String join(String a, String b) {
    return a.isEmpty() ? b : b.isEmpty() ? a : a + "\n" + b;
  }

  /**
   * Stores spans; a span stored before is replaced (idempotent on trace and span id), whenever it
   * was stored. Each span is looked up first ({@link StoredSpanIds}: a Bloom filter of every stored
   * span's key, the keys written since the searcher last refreshed, and for the rest the
   * searcher): a new span is appended, one stored before is written as an update by its id term.
   * Updating every span measured no dearer at 1M spans, but Lucene applies an update's delete by
   * seeking its id in every older segment, which at 8.5M spans was an eighth of the process's CPU;
   * a window of recently seen ids, earlier still, missed resends after a restart or after the
   * window had moved on.
   */
  @Override
  public void write(List<SpanRecord> spans) throws IOException {
    writeAll(spans, null);
  }

  /**
   * {@link #write(List)} storing each span's given encoding as its source, as it is, rather than
   * encoding the span again (the applier hands over the write-ahead log entry's bytes).
   */
  @Override
  public void write(List<SpanRecord> spans, List<ByteBuffer> encoded) throws IOException {
    if (encoded.size() != spans.size()) {
      throw new IllegalArgumentException(
          "write: " + spans.size() + " spans but " + encoded.size() + " encodings; pass one encoding per span");
    }
    writeAll(spans, encoded);
  }

  /** Both writes: {@code encoded} holds each span's encoding, or is null to encode each span here. */
  private void writeAll(List<SpanRecord> spans, @Nullable List<ByteBuffer> encoded) throws IOException {
    merges.indexBehind(spans.size() >= BEHIND_BATCH_SPANS);
    try (StoredSpanIds.Lookup stored = storedIds.lookup()) {
      for (int i = 0; i < spans.size(); i++) {
        write(spans.get(i), encoded == null ? null : encoded.get(i), stored);
      }
    }
    storedIds.rebuildIfFull();
  }

  private void write(SpanRecord s, @Nullable ByteBuffer encoded, StoredSpanIds.Lookup stored) throws IOException {
    SpanRecord span = s;
    long keyHash = SpanKeyHashes.hash(s.traceId(), s.spanId());
    // Most spans: no text documents at all, or not this span's (a hash and a probe, no lookup).
    SpanKeyHashes keys = textKeys;
    if (!keys.isEmpty() && keys.contains(keyHash)) {
      String attached = joinAttachedText(s);
      if (attached != null) {
        span = s.withText(join(s.text(), attached));
        encoded = null; // another text: the given encoding is not this span's
      }
    }
    Document d = SpanDocuments.toDocument(span, encoded);
    Term id = SpanDocuments.idTerm(d);
    if (stored.stored(id.bytes(), keyHash)) {
      writer.updateDocument(id, d);
    } else {
      writer.addDocument(d);
    }
    storedIds.written(keyHash);
  }

  /**
   * Every text attached to {@code s}, in the order it arrived, or null if none: what its attached
   * text document holds (it was stored before and is written again), then what waited for it, which
   * becomes part of that document. The waiting documents and the attached one share the key term,
   * so one update replaces them: a commit in between holds one or the other, never neither.
   */
  private @Nullable String joinAttachedText(SpanRecord s) throws IOException {
    String key = s.key();
    synchronized (textLock) {
      if (attachedSinceRefresh.contains(key) || attachedInRefresh.contains(key)) {
        searchers.maybeRefreshBlocking(); // attached a moment ago: not in the searcher yet
      }
      IndexSearcher searcher = searchers.acquire();
      String attached;
      try {
        attached = attachedText(searcher, key);
      } finally {
        searchers.release(searcher);
      }
      String waiting = pendingText.remove(key);
      if (waiting == null) {
        return attached;
      }
      String all = attached == null ? waiting : join(attached, waiting);
      writer.updateDocument(new Term(SpanDocuments.PENDING_FOR, key),
          SpanDocuments.attachedDocument(key, s.startEpochNanos(), all));
      attachedSinceRefresh.add(key);
      return all;
    }
  }

  /** The text of the attached text document of the span {@code key} in {@code searcher}, or null. */
  private static @Nullable String attachedText(IndexSearcher searcher, String key) throws IOException {
    Query query = new BooleanQuery.Builder()
        .add(new TermQuery(new Term(SpanDocuments.KIND, SpanDocuments.KIND_ATTACHED)), BooleanClause.Occur.FILTER)
        .add(new TermQuery(new Term(SpanDocuments.PENDING_FOR, key)), BooleanClause.Occur.FILTER)
        .build();
    // One per span (each is replaced by its key term); several only if one was written twice.
    TopDocs hits = searcher.search(query, MAX_ATTACHED_DOCUMENTS_READ, Sort.INDEXORDER);
    String text = null;
    StoredFields stored = searcher.storedFields();
    for (ScoreDoc sd : hits.scoreDocs) {
      String t = stored.document(sd.doc, TEXT_FIELD).get(SpanDocuments.PENDING_TEXT);
      text = text == null ? t : join(text, t);
    }
    return text;
  }

  /**
   * Appends text that arrived apart from its span (GenAI log records). A span not stored yet gets
   * the text when it arrives. Either way the text is also kept in a document of its own, the span's
   * attached text, which joins the span again whenever it is written again (a client's retry, a
   * replay), also after a restart; retention deletes it with the span and with the span's text.
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
    synchronized (textLock) {
      searchers.maybeRefreshBlocking();
      IndexSearcher s = searchers.acquire();
      try {
        StoredFields stored = s.storedFields();
        SpanKeyHashes keys = textKeys;
        for (var e : bySpan.entrySet()) {
          String key = e.getKey();
          StringBuilder text = new StringBuilder();
          for (SpanText a : e.getValue()) {
            text.append(text.isEmpty() ? "" : "\n").append(a.text());
          }
          Term id = new Term(SpanDocuments.ID, SpanIdQueries.idOfKey(key));
          TopDocs hit = s.search(new TermQuery(id), 1);
          if (hit.scoreDocs.length > 0) {
            // Kept apart too, so that the span sent again gets it again: all of it in one document.
            SpanRecord span = SpanSearch.read(stored, hit.scoreDocs[0].doc);
            String attached = attachedText(s, key);
            writer.updateDocument(new Term(SpanDocuments.PENDING_FOR, key), SpanDocuments.attachedDocument(key,
                span.startEpochNanos(), attached == null ? text.toString() : join(attached, text.toString())));
            writer.updateDocument(id,
                SpanDocuments.toDocument(span.withText(join(span.text(), text.toString()))));
            long keyHash = SpanKeyHashes.hash(key);
            storedIds.written(keyHash);
            keys.add(keyHash);
            attachedSinceRefresh.add(key);
          } else if (pendingText.size() < MAX_PENDING_SPANS || pendingText.containsKey(key)) {
            pendingText.merge(key, text.toString(), LuceneSpanStore::join);
            writer.addDocument(SpanDocuments.pendingDocument(key, e.getValue().get(0).timeEpochNanos(),
                text.toString()));
            keys.add(SpanKeyHashes.hash(key));
          } else {
            LOG.warn("dropping text for span {}: {} spans already wait for their text", key, MAX_PENDING_SPANS);
          }
        }
      } finally {
        searchers.release(s);
      }
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
   * Retention: deletes spans (and waiting or attached text) that started before {@code spansBefore},
   * and removes the text (prompts, completions) of spans that started before {@code textBefore}
   * while keeping the span, with their attached text and any waiting text as old.
   */
  @Override
  public Retained enforceRetention(Instant spansBefore, Instant textBefore) throws IOException {
    synchronized (textLock) {
      SpanRetention.Result r = retention.enforce(spansBefore, textBefore);
      if (r.deletedTextDocuments() > 0 || r.retained().deletedSpans() > 0) {
        loadTextDocuments(); // forget what was deleted, waiting text and keys
      }
      if (r.retained().deletedSpans() > 0) {
        storedIds.rebuild(); // and the deleted spans' keys
      }
      return r.retained();
    }
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

  /** Whether big merges yield to indexing now, because the last write said spans wait (for tests). */
  boolean bigMergesYield() {
    return merges.slowed();
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
