package io.warden.tracestore.lucene;

import io.warden.core.WardenException;
import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanStore;
import io.warden.tracestore.SearchPage;
import io.warden.tracestore.SpanHit;
import io.warden.tracestore.internal.SpanCodec;
import io.warden.tracestore.internal.Spans;
import io.warden.core.trace.SpanText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
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
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.queryparser.flexible.core.QueryNodeException;
import org.apache.lucene.queryparser.flexible.standard.StandardQueryParser;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.CollectorManager;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.search.uhighlight.DefaultPassageFormatter;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded span store: a Lucene index on local disk. It is both a {@link SpanStore} (structured
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
  private static final int MAX_TRACE_SPANS = 10_000;

  private static final Sort NEWEST_FIRST = new Sort(
      new SortField(SpanDocuments.START, SortField.Type.LONG, true),
      new SortField(SpanDocuments.TIEBREAK, SortField.Type.LONG));
  private static final Sort OLDEST_FIRST = new Sort(
      new SortField(SpanDocuments.START, SortField.Type.LONG),
      new SortField(SpanDocuments.TIEBREAK, SortField.Type.LONG));
  private static final Query SPANS = new TermQuery(new Term(SpanDocuments.KIND, SpanDocuments.KIND_SPAN));

  private final Path dir;
  private final FSDirectory directory;
  private final Analyzer analyzer;
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final ScheduledExecutorService refresher;
  /** Text waiting for its span, by span key; mirrors the pending documents. */
  private final Map<String, String> pendingText = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private LuceneSpanStore(Path dir) throws IOException {
    this.dir = dir;
    this.directory = FSDirectory.open(dir);
    this.analyzer = SpanDocuments.analyzer();
    IndexWriterConfig config = new IndexWriterConfig(analyzer)
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
      String key = Spans.key(s);
      if (!pendingText.isEmpty()) {
        String waiting = pendingText.remove(key);
        if (waiting != null) {
          span = Spans.withText(s, join(s.text(), waiting));
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
          SpanRecord span = read(stored, hit.scoreDocs[0].doc);
          writer.updateDocument(new Term(SpanDocuments.ID, e.getKey()),
              SpanDocuments.toDocument(Spans.withText(span, join(span.text(), text.toString()))));
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

  private static SpanRecord read(StoredFields stored, int doc) throws IOException {
    Document d = stored.document(doc, Set.of(SpanDocuments.SOURCE, SpanDocuments.TEXT));
    BytesRef source = d.getBinaryValue(SpanDocuments.SOURCE);
    byte[] bytes = java.util.Arrays.copyOfRange(source.bytes, source.offset, source.offset + source.length);
    SpanRecord s = SpanCodec.decode(bytes);
    String text = d.get(SpanDocuments.TEXT);
    return text == null ? s : Spans.withText(s, text);
  }

  @Override
  public Page query(SpanQuery query) throws IOException {
    SearchPage page = search(query, false);
    return new Page(page.hits().stream().map(SpanHit::span).toList(), page.nextCursor());
  }

  /**
   * One page of spans matching {@code query}, newest first, with highlighted passages of the text
   * when {@code highlight} is set and the query has text.
   *
   * @throws WardenException {@code invalid_input} for a malformed query or cursor, naming the position
   */
  public SearchPage search(SpanQuery query, boolean highlight) throws IOException {
    Query text = parseText(query.text());
    Query filtered = filters(query, text);
    Object[] afterFields = decodeCursor(query.cursor());
    IndexSearcher s = searchers.acquire();
    try {
      // Ids are unique, so the fields alone place the cursor; the largest doc id excludes the last hit.
      FieldDoc after = afterFields == null ? null
          : new FieldDoc(s.getIndexReader().maxDoc() - 1, Float.NaN, afterFields);
      TopDocs top = s.searchAfter(after, filtered, query.limit(), NEWEST_FIRST);
      String[] passages = null;
      if (highlight && text != null && top.scoreDocs.length > 0) {
        UnifiedHighlighter h = UnifiedHighlighter.builder(s, analyzer)
            .withFormatter(new DefaultPassageFormatter("<em>", "</em>", "\u2029", true))
            .withMaxLength(TextLimits.HIGHLIGHT_MAX_CHARS)
            .build();
        passages = h.highlight(SpanDocuments.TEXT, text, top, 3);
      }
      StoredFields stored = s.storedFields();
      List<SpanHit> hits = new ArrayList<>(top.scoreDocs.length);
      for (int i = 0; i < top.scoreDocs.length; i++) {
        SpanRecord span = read(stored, top.scoreDocs[i].doc);
        List<String> hl = passages == null || passages[i] == null ? List.of()
            : List.of(passages[i].split("\u2029"));
        hits.add(new SpanHit(span, hl));
      }
      String next = null;
      if (top.scoreDocs.length == query.limit()) {
        next = encodeCursor((FieldDoc) top.scoreDocs[top.scoreDocs.length - 1]);
      }
      return new SearchPage(hits, next);
    } finally {
      searchers.release(s);
    }
  }

  /** Parses a Lucene query; null for blank text. */
  Query parseText(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    StandardQueryParser parser = new StandardQueryParser(analyzer);
    parser.setMultiFields(SpanDocuments.DEFAULT_FIELDS);
    parser.setAllowLeadingWildcard(false);
    try {
      // No default field: a term without one is searched in every default field (a default field
      // here would switch the multi-field expansion off).
      return parser.parse(text, null);
    } catch (QueryNodeException e) {
      throw WardenException.invalid(syntaxError(text, e)
          + "; quote phrases, and escape special characters (+ - && || ! ( ) { } [ ] ^ \" ~ * ? : \\ /) with a backslash");
    } catch (RuntimeException e) {
      throw WardenException.invalid("malformed query: " + clean(String.valueOf(e.getMessage())));
    }
  }

  private static final java.util.regex.Pattern LEXICAL_COLUMN = java.util.regex.Pattern.compile("column (\\d+)");

  /** "malformed query at column N: unexpected 'x'" from whatever the parser reports. */
  static String syntaxError(String query, QueryNodeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.apache.lucene.queryparser.flexible.standard.parser.ParseException pe
          && pe.currentToken != null) {
        var bad = pe.currentToken.next != null ? pe.currentToken.next : pe.currentToken;
        boolean end = bad.kind == 0 || bad.image == null || bad.image.isEmpty();
        int column = end ? query.length() + 1 : bad.beginColumn + 1; // the parser counts from 0
        return "malformed query at column " + column + ": "
            + (end ? "unexpected end of query" : "unexpected '" + bad.image + "'");
      }
      String m = t.getMessage();
      if (m != null && m.contains("Lexical error")) {
        var matcher = LEXICAL_COLUMN.matcher(m);
        if (matcher.find()) {
          int column = Integer.parseInt(matcher.group(1));
          return "malformed query at column " + Math.min(column, query.length() + 1) + ": "
              + (column > query.length() ? "unexpected end of query (unclosed quote or range?)"
                  : "unexpected character '" + query.charAt(column - 1) + "'");
        }
      }
    }
    return "malformed query: " + clean(e.getLocalizedMessage());
  }

  private static String clean(String message) {
    String m = message == null ? "syntax error" : message.strip();
    int nl = m.indexOf('\n');
    return (nl < 0 ? m : m.substring(0, nl)).strip();
  }

  private static Query filters(SpanQuery q, Query text) {
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    b.add(SPANS, BooleanClause.Occur.FILTER);
    if (text != null) {
      b.add(text, BooleanClause.Occur.MUST);
    }
    if (notBlank(q.agent())) {
      b.add(term(SpanDocuments.AGENT, q.agent()), BooleanClause.Occur.FILTER);
    }
    if (notBlank(q.model())) {
      BooleanQuery.Builder m = new BooleanQuery.Builder();
      m.add(term(SpanDocuments.MODEL, q.model()), BooleanClause.Occur.SHOULD);
      m.add(term(SpanDocuments.REQUEST_MODEL, q.model()), BooleanClause.Occur.SHOULD);
      m.add(term(SpanDocuments.RESPONSE_MODEL, q.model()), BooleanClause.Occur.SHOULD);
      b.add(m.build(), BooleanClause.Occur.FILTER);
    }
    if (notBlank(q.status())) {
      b.add(term(SpanDocuments.STATUS, q.status()), BooleanClause.Occur.FILTER);
    }
    if (q.from() != null || q.to() != null) {
      long from = q.from() == null ? Long.MIN_VALUE : nanos(q.from());
      long to = q.to() == null ? Long.MAX_VALUE : nanos(q.to()) - 1;
      b.add(LongPoint.newRangeQuery(SpanDocuments.START, from, to), BooleanClause.Occur.FILTER);
    }
    if (q.minCostUsd() != null) {
      b.add(LongPoint.newRangeQuery(SpanDocuments.COST, SpanDocuments.nanoUsd(q.minCostUsd()), Long.MAX_VALUE),
          BooleanClause.Occur.FILTER);
    }
    if (notBlank(q.traceId())) {
      b.add(term(SpanDocuments.TRACE_ID, q.traceId()), BooleanClause.Occur.FILTER);
    }
    if (notBlank(q.logicalTraceId())) {
      b.add(term(SpanDocuments.LOGICAL_TRACE_ID, q.logicalTraceId()), BooleanClause.Occur.FILTER);
    }
    return b.build();
  }

  private static Query term(String field, String value) {
    return new TermQuery(new Term(field, SpanDocuments.lower(value.strip())));
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }

  static long nanos(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
  }

  private static String encodeCursor(FieldDoc last) {
    String raw = last.fields[0] + "," + last.fields[1];
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  private static Object[] decodeCursor(String cursor) {
    if (cursor == null || cursor.isBlank()) {
      return null;
    }
    try {
      String raw = new String(Base64.getUrlDecoder().decode(cursor.strip()), StandardCharsets.UTF_8);
      int comma = raw.indexOf(',');
      long start = Long.parseLong(raw.substring(0, comma));
      return new Object[] {start, Long.parseLong(raw.substring(comma + 1))};
    } catch (RuntimeException e) {
      throw WardenException.invalid("invalid cursor '" + cursor + "': pass the nextCursor of the previous page");
    }
  }

  /** Every span of one trace, oldest first (at most {@value #MAX_TRACE_SPANS}). */
  public List<SpanRecord> trace(String traceId) throws IOException {
    return find(term(SpanDocuments.TRACE_ID, traceId), MAX_TRACE_SPANS);
  }

  /** Spans of any of {@code traceIds}, or assigned to any of them as logical trace, oldest first. */
  public List<SpanRecord> spansOf(Collection<String> traceIds, int max) throws IOException {
    if (traceIds.isEmpty()) {
      return List.of();
    }
    List<BytesRef> terms = traceIds.stream().map(BytesRef::new).toList();
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    b.add(new TermInSetQuery(SpanDocuments.TRACE_ID, terms), BooleanClause.Occur.SHOULD);
    b.add(new TermInSetQuery(SpanDocuments.LOGICAL_TRACE_ID, terms), BooleanClause.Occur.SHOULD);
    return find(b.build(), max);
  }

  /** Spans that link to, or were delegated from, any of {@code traceIds}. */
  public List<SpanRecord> spansLinkingTo(Collection<String> traceIds, int max) throws IOException {
    if (traceIds.isEmpty()) {
      return List.of();
    }
    return find(new TermInSetQuery(SpanDocuments.LINK_TRACE, traceIds.stream().map(BytesRef::new).toList()), max);
  }

  private List<SpanRecord> find(Query q, int max) throws IOException {
    BooleanQuery query = new BooleanQuery.Builder()
        .add(SPANS, BooleanClause.Occur.FILTER)
        .add(q, BooleanClause.Occur.FILTER)
        .build();
    IndexSearcher s = searchers.acquire();
    try {
      TopFieldDocs top = s.search(query, max, OLDEST_FIRST);
      StoredFields stored = s.storedFields();
      List<SpanRecord> out = new ArrayList<>(top.scoreDocs.length);
      for (ScoreDoc sd : top.scoreDocs) {
        out.add(read(stored, sd.doc));
      }
      return out;
    } finally {
      searchers.release(s);
    }
  }

  /** Number of spans stored (pending text excluded). */
  public long count() throws IOException {
    IndexSearcher s = searchers.acquire();
    try {
      return s.count(SPANS);
    } finally {
      searchers.release(s);
    }
  }

  @Override
  public List<CostRow> costs(CostGroup group, Instant from, Instant to) throws IOException {
    String field = switch (group) {
      case AGENT -> SpanDocuments.AGENT;
      case MODEL -> SpanDocuments.MODEL;
      case TOOL -> SpanDocuments.TOOL;
      case DAY -> null;
    };
    BooleanQuery.Builder b = new BooleanQuery.Builder().add(SPANS, BooleanClause.Occur.FILTER);
    if (from != null || to != null) {
      b.add(LongPoint.newRangeQuery(SpanDocuments.START, from == null ? Long.MIN_VALUE : nanos(from),
          to == null ? Long.MAX_VALUE : nanos(to) - 1), BooleanClause.Occur.FILTER);
    }
    IndexSearcher s = searchers.acquire();
    try {
      Map<String, long[]> sums = s.search(b.build(), new CostCollectorManager(field));
      List<CostRow> rows = new ArrayList<>(sums.size());
      sums.forEach((key, v) -> rows.add(new CostRow(key, usd(v[0]), usd(v[1]), usd(v[2]), usd(v[3]), v[4])));
      rows.sort(Comparator.comparing(CostRow::totalUsd).reversed().thenComparing(CostRow::key));
      return rows;
    } finally {
      searchers.release(s);
    }
  }

  private static BigDecimal usd(long nanoUsd) {
    return BigDecimal.valueOf(nanoUsd, 9);
  }

  /** Sums the three cost kinds, the total and the span count per group key. */
  private static final class CostCollectorManager implements CollectorManager<CostCollector, Map<String, long[]>> {
    private final String field;

    CostCollectorManager(String field) {
      this.field = field;
    }

    @Override
    public CostCollector newCollector() {
      return new CostCollector(field);
    }

    @Override
    public Map<String, long[]> reduce(Collection<CostCollector> collectors) {
      Map<String, long[]> out = new HashMap<>();
      for (CostCollector c : collectors) {
        c.sums.forEach((k, v) -> {
          long[] t = out.computeIfAbsent(k, x -> new long[5]);
          for (int i = 0; i < 5; i++) {
            t[i] += v[i];
          }
        });
      }
      return out;
    }
  }

  private static final class CostCollector extends SimpleCollector {
    private final String field;
    final Map<String, long[]> sums = new HashMap<>();
    private SortedDocValues keys;
    private NumericDocValues start;
    private NumericDocValues tokens;
    private NumericDocValues actions;
    private NumericDocValues compute;
    private NumericDocValues total;
    private final Map<Integer, String> ordNames = new HashMap<>();

    CostCollector(String field) {
      this.field = field;
    }

    @Override
    protected void doSetNextReader(LeafReaderContext ctx) throws IOException {
      var r = ctx.reader();
      keys = field == null ? null : r.getSortedDocValues(field);
      start = r.getNumericDocValues(SpanDocuments.START);
      tokens = r.getNumericDocValues(SpanDocuments.COST_TOKENS);
      actions = r.getNumericDocValues(SpanDocuments.COST_ACTIONS);
      compute = r.getNumericDocValues(SpanDocuments.COST_COMPUTE);
      total = r.getNumericDocValues(SpanDocuments.COST);
      ordNames.clear();
    }

    @Override
    public void collect(int doc) throws IOException {
      String key;
      if (field == null) {
        long nanos = start != null && start.advanceExact(doc) ? start.longValue() : 0;
        key = Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L)).atZone(ZoneOffset.UTC).toLocalDate()
            .toString();
      } else if (keys != null && keys.advanceExact(doc)) {
        int ord = keys.ordValue();
        key = ordNames.get(ord);
        if (key == null) {
          key = keys.lookupOrd(ord).utf8ToString();
          ordNames.put(ord, key);
        }
      } else {
        key = "";
      }
      long[] t = sums.computeIfAbsent(key, k -> new long[5]);
      t[0] += value(tokens, doc);
      t[1] += value(actions, doc);
      t[2] += value(compute, doc);
      t[3] += value(total, doc);
      t[4]++;
    }

    private static long value(NumericDocValues v, int doc) throws IOException {
      return v != null && v.advanceExact(doc) ? v.longValue() : 0;
    }

    @Override
    public ScoreMode scoreMode() {
      return ScoreMode.COMPLETE_NO_SCORES;
    }
  }

  /**
   * Retention: deletes spans (and waiting text) that started before {@code spansBefore}, and removes
   * the text (prompts, completions) of spans that started before {@code textBefore} while keeping
   * the span. Returns how many spans were deleted and how many lost their text.
   */
  @Override
  public Retained enforceRetention(Instant spansBefore, Instant textBefore) throws IOException {
    long deleted = 0;
    if (spansBefore != null) {
      Query old = LongPoint.newRangeQuery(SpanDocuments.START, Long.MIN_VALUE, nanos(spansBefore) - 1);
      searchers.maybeRefreshBlocking();
      IndexSearcher s = searchers.acquire();
      try {
        deleted = s.count(old);
      } finally {
        searchers.release(s);
      }
      if (deleted > 0) {
        writer.deleteDocuments(old);
      }
    }
    long stripped = 0;
    if (textBefore != null) {
      Query oldText = new BooleanQuery.Builder()
          .add(SPANS, BooleanClause.Occur.FILTER)
          .add(new TermQuery(new Term(SpanDocuments.HAS_TEXT, "1")), BooleanClause.Occur.FILTER)
          .add(LongPoint.newRangeQuery(SpanDocuments.START, Long.MIN_VALUE, nanos(textBefore) - 1),
              BooleanClause.Occur.FILTER)
          .build();
      while (true) {
        searchers.maybeRefreshBlocking();
        IndexSearcher s = searchers.acquire();
        try {
          TopDocs top = s.search(oldText, 1000);
          if (top.scoreDocs.length == 0) {
            break;
          }
          StoredFields stored = s.storedFields();
          for (ScoreDoc sd : top.scoreDocs) {
            SpanRecord span = read(stored, sd.doc);
            writer.updateDocument(new Term(SpanDocuments.ID, Spans.key(span)),
                SpanDocuments.toDocument(Spans.withText(span, "")));
            stripped++;
          }
        } finally {
          searchers.release(s);
        }
      }
    }
    if (deleted > 0 || stripped > 0) {
      writer.commit();
      searchers.maybeRefreshBlocking();
    }
    return new Retained(deleted, stripped);
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

  /** Exposed for tests: an all-spans query parsed with the store's analyzer. */
  static Query all() {
    return new MatchAllDocsQuery();
  }

  static final class TextLimits {
    static final int HIGHLIGHT_MAX_CHARS = 256 * 1024;

    private TextLimits() {}
  }

  /** Opens a plain reader over the index directory (for diagnostics). */
  static DirectoryReader openReader(Path dir) throws IOException {
    return DirectoryReader.open(FSDirectory.open(dir));
  }
}
