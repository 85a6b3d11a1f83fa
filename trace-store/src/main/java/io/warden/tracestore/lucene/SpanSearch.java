package io.warden.tracestore.lucene;

import io.warden.core.WardenException;
import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanCodec;
import io.warden.tracestore.SearchPage;
import io.warden.tracestore.SpanHit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.queryparser.flexible.core.QueryNodeException;
import org.apache.lucene.queryparser.flexible.standard.StandardQueryParser;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.search.uhighlight.DefaultPassageFormatter;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;
import org.apache.lucene.util.BytesRef;
/**
 * Reading the span index: one page of spans for a query (Lucene's standard syntax over the default
 * fields plus structured filters, newest first, with a cursor and highlighted passages), the spans
 * of traces for logical-trace assembly, counts. Holds no state of its own but the searcher manager
 * the store refreshes.
 */
final class SpanSearch {
  static final int MAX_TRACE_SPANS = 10_000;
  static final int HIGHLIGHT_MAX_CHARS = 256 * 1024;
  static final Query SPANS = new TermQuery(new Term(SpanDocuments.KIND, SpanDocuments.KIND_SPAN));
  private static final Sort NEWEST_FIRST = new Sort(
      new SortField(SpanDocuments.START, SortField.Type.LONG, true),
      new SortField(SpanDocuments.TIEBREAK, SortField.Type.LONG));
  private static final Sort OLDEST_FIRST = new Sort(
      new SortField(SpanDocuments.START, SortField.Type.LONG),
      new SortField(SpanDocuments.TIEBREAK, SortField.Type.LONG));

  private final SearcherManager searchers;
  private final Analyzer analyzer;

  SpanSearch(SearcherManager searchers, Analyzer analyzer) {
    this.searchers = searchers;
    this.analyzer = analyzer;
  }

  /**
   * One page of spans matching {@code query}, newest first, with highlighted passages of the text
   * when {@code highlight} is set and the query has text.
   *
   * @throws WardenException {@code invalid_input} for a malformed query or cursor, naming the position
   */
  SearchPage search(SpanQuery query, boolean highlight) throws IOException {
    Query text = parseText(query.text());
    Query filtered = filters(query, text);
    Object[] afterFields = decodeCursor(query.cursor());
    IndexSearcher s = searchers.acquire();
    try {
      // Ids are unique, so the fields alone place the cursor; the largest doc id excludes the last hit.
      FieldDoc after = afterFields == null ? null
          : new FieldDoc(s.getIndexReader().maxDoc() - 1, Float.NaN, afterFields);
      TopDocs top = s.searchAfter(after, filtered, query.limit(), NEWEST_FIRST);
      StoredFields stored = s.storedFields();
      List<SpanRecord> spans = new ArrayList<>(top.scoreDocs.length);
      for (ScoreDoc sd : top.scoreDocs) {
        spans.add(read(stored, sd.doc));
      }
      String[] passages = null;
      if (highlight && text != null && top.scoreDocs.length > 0) {
        Map<Integer, String> texts = HashMap.newHashMap(spans.size());
        for (int i = 0; i < spans.size(); i++) {
          texts.put(top.scoreDocs[i].doc, spans.get(i).text());
        }
        UnifiedHighlighter.Builder b = UnifiedHighlighter.builder(s, analyzer)
            .withFormatter(new DefaultPassageFormatter("<em>", "</em>", "\u2029", true))
            .withMaxLength(HIGHLIGHT_MAX_CHARS)
            // Passages from analysing each hit's text: weight matches and passage relevancy made Lucene
            // build an in-memory index of every hit, 80% of what a search allocated at 10M spans.
            .withWeightMatches(false)
            .withPassageRelevancyOverSpeed(false);
        passages = new SourceTextHighlighter(b, texts).highlight(SpanDocuments.TEXT, text, top, 3);
      }
      List<SpanHit> hits = new ArrayList<>(spans.size());
      for (int i = 0; i < spans.size(); i++) {
        List<String> hl = passages == null || passages[i] == null ? List.of()
            : List.of(passages[i].split("\u2029"));
        hits.add(new SpanHit(spans.get(i), hl));
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
      return SpanIdQueries.rewrite(parser.parse(text, null));
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
      long from = q.from() == null ? Long.MIN_VALUE : SpanDocuments.nanos(q.from());
      long to = q.to() == null ? Long.MAX_VALUE : SpanDocuments.nanos(q.to()) - 1;
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
  List<SpanRecord> trace(String traceId) throws IOException {
    return find(term(SpanDocuments.TRACE_ID, traceId), MAX_TRACE_SPANS);
  }

  /** Spans of any of {@code traceIds}, or assigned to any of them as logical trace, oldest first. */
  List<SpanRecord> spansOf(Collection<String> traceIds, int max) throws IOException {
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
  List<SpanRecord> spansLinkingTo(Collection<String> traceIds, int max) throws IOException {
    if (traceIds.isEmpty()) {
      return List.of();
    }
    return find(new TermInSetQuery(SpanDocuments.LINK_TRACE, traceIds.stream().map(BytesRef::new).toList()), max);
  }

  /** The spans among {@code q}'s documents (not the text documents kept beside them). */
  static Query spans(Query q) {
    return new BooleanQuery.Builder()
        .add(SPANS, BooleanClause.Occur.FILTER)
        .add(q, BooleanClause.Occur.FILTER)
        .build();
  }

  private List<SpanRecord> find(Query q, int max) throws IOException {
    IndexSearcher s = searchers.acquire();
    try {
      TopFieldDocs top = s.search(spans(q), max, OLDEST_FIRST);
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
  long count() throws IOException {
    IndexSearcher s = searchers.acquire();
    try {
      return s.count(SPANS);
    } finally {
      searchers.release(s);
    }
  }

  /**
   * The span of a document. A {@code lucene-v1} document kept its text in a stored {@code text}
   * field beside a source without it; reading it here is what lets the upgrade copy such an index.
   */
  static SpanRecord read(StoredFields stored, int doc) throws IOException {
    Document d = stored.document(doc, SOURCE_FIELDS);
    BytesRef source = d.getBinaryValue(SpanDocuments.SOURCE);
    byte[] bytes = java.util.Arrays.copyOfRange(source.bytes, source.offset, source.offset + source.length);
    SpanRecord s = SpanCodec.decode(bytes);
    String text = d.get(SpanDocuments.TEXT);
    return text == null ? s : s.withText(text);
  }

  private static final Set<String> SOURCE_FIELDS = Set.of(SpanDocuments.SOURCE, SpanDocuments.TEXT);

  /**
   * Highlights the text of the hits already read: the text is inside the stored source
   * ({@code lucene-v2} stores no separate copy), so the values come from the decoded spans instead of
   * a stored field.
   */
  private static final class SourceTextHighlighter extends UnifiedHighlighter {
    private final Map<Integer, String> texts;

    SourceTextHighlighter(Builder builder, Map<Integer, String> texts) {
      super(builder);
      this.texts = texts;
    }

    @Override
    protected List<CharSequence[]> loadFieldValues(String[] fields, DocIdSetIterator docs, int cacheCharsThreshold)
        throws IOException {
      List<CharSequence[]> out = new ArrayList<>();
      for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
        CharSequence[] values = new CharSequence[fields.length];
        for (int i = 0; i < fields.length; i++) {
          String t = SpanDocuments.TEXT.equals(fields[i]) ? texts.getOrDefault(doc, "") : "";
          values[i] = t.length() > HIGHLIGHT_MAX_CHARS ? t.substring(0, HIGHLIGHT_MAX_CHARS) : t;
        }
        out.add(values);
      }
      return out;
    }
  }
}
