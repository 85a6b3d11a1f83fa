package io.warden.tracestore.lucene;

import io.warden.core.trace.SpanCost;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.Delegation;
import io.warden.core.trace.SpanCodec;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.core.FlattenGraphFilter;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.apache.lucene.analysis.miscellaneous.WordDelimiterGraphFilter;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.PostingsFormat;
import org.apache.lucene.codecs.lucene103.Lucene103Codec;
import org.apache.lucene.codecs.uniformsplit.UniformSplitPostingsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.Term;
import org.apache.lucene.util.BytesRef;
import org.jspecify.annotations.Nullable;
/**
 * The Lucene document layout of a span ({@code lucene-v4}). Keyword fields are indexed lowercased
 * and queried through a lowercasing keyword analyzer, so {@code agent:Planner} finds
 * {@code planner}; {@code text} (prompts, completions, tool arguments), {@code name}, {@code intent},
 * {@code status_message} and {@code reasoning} are analysed full text and searched when a query
 * names no field. The whole record, text included, is stored once, in {@code source}.
 *
 * <p>What {@code lucene-v2} leaves out, because nothing reads it: norms (results are sorted by time
 * and never by score, so a field's length is never needed), a stored copy of the text beside the
 * source ({@code lucene-v1} stored the source without its text plus the text), and doc values on
 * anything that is neither sorted on ({@code start}, {@code tiebreak}) nor summed or grouped by a
 * cost roll-up ({@code cost*}, {@code agent}, {@code model}, {@code tool}). Positions stay on the
 * five full-text fields: a phrase without a field ({@code "invoice 4711"}) is searched in all of
 * them, and a phrase query on a field without positions fails.
 *
 * <p>What {@code lucene-v3} changes: the {@code id} term (what a span is replaced by) is
 * {@code spanId:traceId} and there is no {@code span_id} term; {@code span_id:} queries are answered
 * from the id ({@link SpanIdQueries}), so a span has one unique term instead of two.
 *
 * <p>What {@code lucene-v4} changes: no document or field, only where new segments keep the
 * {@code id} terms ({@link #codec()}).
 */
final class SpanDocuments {
  static final String KIND = "kind";
  static final String KIND_SPAN = "span";
  static final String KIND_PENDING = "pending";
  /**
   * Text that arrived apart from its span and has joined it: kept as a document of its own beside
   * the span's, so that the span sent again (a client's retry, a replay) gets it again.
   */
  static final String KIND_ATTACHED = "attached";
  static final String ID = "id";
  static final String TRACE_ID = "trace_id";
  static final String SPAN_ID = "span_id";
  static final String PARENT_SPAN_ID = "parent_span_id";
  static final String LOGICAL_TRACE_ID = "logical_trace_id";
  static final String LINK_TRACE = "link_trace";
  static final String AGENT = "agent";
  static final String MODEL = "model";
  static final String REQUEST_MODEL = "request_model";
  static final String RESPONSE_MODEL = "response_model";
  static final String TOOL = "tool";
  static final String STATUS = "status";
  static final String OPERATION = "operation";
  static final String SERVICE = "service";
  static final String CONVERSATION_ID = "conversation_id";
  static final String INTENT = "intent";
  static final String STATUS_MESSAGE = "status_message";
  static final String NAME = "name";
  static final String TEXT = "text";
  /** The reasoning part of the text (also in {@link #TEXT}), for {@code reasoning:refund}. */
  static final String REASONING = "reasoning";
  /**
   * The span attribute, set at ingest, with the {@code start-end} character ranges of the text that
   * are reasoning (the ingest side's {@code TextExtractor.REASONING_RANGES}; a test keeps them equal).
   */
  static final String REASONING_RANGES = "warden.text.reasoning";
  static final String HAS_TEXT = "has_text";
  static final String START = "start";
  static final String COST = "cost";
  static final String COST_TOKENS = "cost_tokens";
  static final String COST_ACTIONS = "cost_actions";
  static final String COST_COMPUTE = "cost_compute";
  static final String SOURCE = "source";
  /** The span id as a number: breaks ties of equal start times in the sort (and so in cursors). */
  static final String TIEBREAK = "tiebreak";
  /**
   * The span key ({@code traceId:spanId}) of a text document, waiting ({@link #KIND_PENDING}) or
   * attached ({@link #KIND_ATTACHED}): one term for both, so that a span's waiting text documents
   * become its attached one in one update. The names date from when text only waited.
   */
  static final String PENDING_FOR = "pending_for";
  /** The text of a text document (stored only: the span's document indexes it). */
  static final String PENDING_TEXT = "pending_text";

  /** Fields a query may name with a keyword value ({@code agent:planner}). */
  static final Set<String> KEYWORD_FIELDS = Set.of(ID, TRACE_ID, SPAN_ID, PARENT_SPAN_ID, LOGICAL_TRACE_ID,
      LINK_TRACE, AGENT, MODEL, REQUEST_MODEL, RESPONSE_MODEL, TOOL, STATUS, OPERATION, SERVICE,
      CONVERSATION_ID, KIND, HAS_TEXT);

  /**
   * The full-text fields' type: not stored (the source holds the text), no norms, positions for
   * phrase queries; no offsets: highlighting re-analyses the few hits shown, which is cheaper overall
   * than indexing offsets for every span.
   */
  private static final FieldType FULL_TEXT = new FieldType(TextField.TYPE_NOT_STORED);

  static {
    FULL_TEXT.setIndexOptions(IndexOptions.DOCS_AND_FREQS_AND_POSITIONS);
    FULL_TEXT.setOmitNorms(true);
    FULL_TEXT.freeze();
  }

  /**
   * Fields whose value is the same in every span, made once: a field is only read while a document
   * is indexed, so one instance serves every document and thread (no UTF-8 conversion per span).
   */
  private static final StringField KIND_SPAN_FIELD = new StringField(KIND, KIND_SPAN, Field.Store.NO);
  private static final StringField HAS_TEXT_FIELD = new StringField(HAS_TEXT, "1", Field.Store.NO);

  private SpanDocuments() {}

  /**
   * Lucene's codec with the {@code id} terms in a Uniform Split terms dictionary: a span's id is
   * random and unique, and the default block tree tries LZ4 on every block of such terms (a block
   * whose suffixes average more than 6 bytes) at each flush and merge, which never pays for random
   * ids; Uniform Split writes its blocks as they come. Segments record their postings format per
   * field by name, so indexes written before open unchanged and move over as they merge. Named after
   * Lucene's current default codec, which a Lucene upgrade renames.
   */
  static Codec codec() {
    PostingsFormat ids = new UniformSplitPostingsFormat();
    return new Lucene103Codec() {
      @Override
      public PostingsFormat getPostingsFormatForField(String field) {
        return field.equals(ID) ? ids : super.getPostingsFormatForField(field);
      }
    };
  }

  /** The {@code id} term of a document made by {@link #toDocument}: its own bytes, converted once. */
  static Term idTerm(Document d) {
    return new Term(ID, Objects.requireNonNull(d.getBinaryValue(ID)));
  }

  /**
   * Fields a query searches when it names none: the text (prompts, completions, reasoning, tool-call
   * arguments with their keys), the span name, the intent, the status message and the reasoning.
   */
  static final String[] DEFAULT_FIELDS = {TEXT, NAME, INTENT, STATUS_MESSAGE, REASONING};

  /** The reasoning of {@code text}, from the {@link #REASONING_RANGES} attribute's value ("" if none). */
  static String reasoning(String text, String ranges) {
    if (ranges.isEmpty() || text.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (String r : ranges.split(",")) {
      int dash = r.indexOf('-');
      try {
        int start = Math.min(Integer.parseInt(r.substring(0, dash)), text.length());
        int end = Math.min(Integer.parseInt(r.substring(dash + 1)), text.length());
        if (end > start) {
          if (!out.isEmpty()) {
            out.append('\n');
          }
          out.append(text, start, end);
        }
      } catch (RuntimeException e) {
        // A client-sent or damaged value: no reasoning rather than a failed write.
      }
    }
    return out.toString();
  }

  /**
   * Lowercases keyword fields; span names are split into words (dots, slashes, underscores, dashes,
   * camelCase, letters and digits) keeping the whole name too, so {@code invoice} and
   * {@code name:"invoice.lookup"} both find {@code invoice.lookup}; other full text gets the standard
   * analyzer's tokens ({@link #standard()}).
   */
  static Analyzer analyzer() {
    Analyzer keyword = new Analyzer() {
      @Override
      protected TokenStreamComponents createComponents(String fieldName) {
        Tokenizer t = new KeywordTokenizer();
        return new TokenStreamComponents(t, new LowerCaseFilter(t));
      }

      @Override
      protected TokenStream normalize(String fieldName, TokenStream in) {
        return new LowerCaseFilter(in);
      }
    };
    Map<String, Analyzer> perField = new java.util.HashMap<>();
    for (String f : KEYWORD_FIELDS) {
      perField.put(f, keyword);
    }
    perField.put(NAME, new Analyzer() {
      @Override
      protected TokenStreamComponents createComponents(String fieldName) {
        Tokenizer t = new WhitespaceTokenizer();
        TokenStream words = new WordDelimiterGraphFilter(t, WordDelimiterGraphFilter.GENERATE_WORD_PARTS
            | WordDelimiterGraphFilter.GENERATE_NUMBER_PARTS | WordDelimiterGraphFilter.SPLIT_ON_CASE_CHANGE
            | WordDelimiterGraphFilter.SPLIT_ON_NUMERICS | WordDelimiterGraphFilter.PRESERVE_ORIGINAL, null);
        // Indexes store no graphs: flatten the parts alongside the whole name.
        return new TokenStreamComponents(t, new FlattenGraphFilter(new LowerCaseFilter(words)));
      }

      @Override
      protected TokenStream normalize(String fieldName, TokenStream in) {
        return new LowerCaseFilter(in);
      }
    });
    return new PerFieldAnalyzerWrapper(standard(), perField);
  }

  /** The standard analyzer's tokens (lower-cased, no stop words) from a cheaper tokenizer for ASCII text. */
  static Analyzer standard() {
    return new Analyzer() {
      @Override
      protected TokenStreamComponents createComponents(String fieldName) {
        return new TokenStreamComponents(new LowerCaseStandardTokenizer());
      }

      @Override
      protected TokenStream normalize(String fieldName, TokenStream in) {
        return new LowerCaseFilter(in);
      }
    };
  }

  /**
   * The analyzer that writes the index: {@link #analyzer()}, with the tokens of repeated span names,
   * intents and status messages analysed once and replayed (the same tokens, less CPU per span).
   */
  static Analyzer indexAnalyzer() {
    return new MemoizingAnalyzer(analyzer(), Set.of(NAME, INTENT, STATUS_MESSAGE));
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  /**
   * {@code value} in nano-USD when it is a plain decimal as ingest writes the cost split
   * ({@code 0.001234000}: digits, at most 9 of them after the point and 9 before it), else -1.
   * Then it is what {@link SpanCost#of} and {@link #nanoUsd} make of it, without the BigDecimals
   * (parsing the split back took ~1% of the ingest process).
   */
  static long plainNanoUsd(String value) {
    if (value == null || value.isEmpty()) {
      return -1;
    }
    int n = value.length();
    int point = value.indexOf('.');
    int whole = point < 0 ? n : point;
    int fraction = point < 0 ? 0 : n - point - 1;
    if (whole == 0 || whole > 9 || fraction > 9) {
      return -1;
    }
    long nanos = 0;
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (i == point) {
        continue;
      }
      if (c < '0' || c > '9') {
        return -1;
      }
      nanos = nanos * 10 + (c - '0');
    }
    for (int i = fraction; i < 9; i++) {
      nanos *= 10;
    }
    return nanos;
  }

  /** Nano-USD, saturated: an absurd reported cost must not make the span unindexable. */
  static long nanoUsd(BigDecimal usd) {
    if (usd.signum() == 0) {
      return 0; // most cost splits: no BigInteger for nothing
    }
    java.math.BigInteger n = usd.setScale(9, RoundingMode.HALF_UP).unscaledValue();
    return n.bitLength() < 64 ? n.longValue() : n.signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
  }

  static long nanos(java.time.Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
  }

  static String model(SpanRecord s) {
    return s.responseModel().isEmpty() ? s.requestModel() : s.responseModel();
  }

  static Document toDocument(SpanRecord s) {
    return toDocument(s, null);
  }

  /**
   * The document of {@code s}; {@code encoded}, when given, is {@code s}'s {@link SpanCodec}
   * encoding, stored as the source as it is (no second encoding of the span).
   */
  static Document toDocument(SpanRecord s, @Nullable ByteBuffer encoded) {
    Document d = new Document();
    d.add(KIND_SPAN_FIELD);
    // Also what span_id: queries search (SpanIdQueries): no span_id term of its own.
    d.add(new StringField(ID, new BytesRef(SpanIdQueries.id(s.traceId(), s.spanId())), Field.Store.NO));
    d.add(new NumericDocValuesField(TIEBREAK, tiebreak(s.spanId())));
    d.add(new StringField(TRACE_ID, s.traceId(), Field.Store.NO));
    if (!s.parentSpanId().isEmpty()) {
      d.add(new StringField(PARENT_SPAN_ID, s.parentSpanId(), Field.Store.NO));
    }
    d.add(new StringField(LOGICAL_TRACE_ID, s.logicalTraceId(), Field.Store.NO));
    for (String linked : linkedTraces(s)) {
      d.add(new StringField(LINK_TRACE, linked, Field.Store.NO));
    }
    keyword(d, AGENT, s.agent(), true);
    keyword(d, MODEL, model(s), true);
    keyword(d, REQUEST_MODEL, s.requestModel(), false);
    keyword(d, RESPONSE_MODEL, s.responseModel(), false);
    keyword(d, TOOL, s.toolName(), true);
    keyword(d, STATUS, s.status(), false);
    keyword(d, OPERATION, s.operation(), false);
    keyword(d, SERVICE, s.service(), false);
    keyword(d, CONVERSATION_ID, s.conversationId(), false);
    if (!s.intent().isEmpty()) {
      d.add(new Field(INTENT, s.intent(), FULL_TEXT));
    }
    if (!s.statusMessage().isEmpty()) {
      d.add(new Field(STATUS_MESSAGE, s.statusMessage(), FULL_TEXT));
    }
    d.add(new Field(NAME, s.name(), FULL_TEXT));
    if (!s.text().isEmpty()) {
      d.add(new Field(TEXT, s.text(), FULL_TEXT));
      d.add(HAS_TEXT_FIELD);
      String reasoning = reasoning(s.text(), s.attributes().getOrDefault(REASONING_RANGES, ""));
      if (!reasoning.isEmpty()) {
        d.add(new Field(REASONING, reasoning, FULL_TEXT));
      }
    }
    d.add(new LongPoint(START, s.startEpochNanos()));
    d.add(new NumericDocValuesField(START, s.startEpochNanos()));
    long cost = nanoUsd(s.costUsd());
    d.add(new LongPoint(COST, cost));
    d.add(new NumericDocValuesField(COST, cost));
    long tokens = plainNanoUsd(s.attributes().get(SpanCost.TOKENS_USD_ATTRIBUTE));
    long actions = plainNanoUsd(s.attributes().get(SpanCost.ACTIONS_USD_ATTRIBUTE));
    long compute = plainNanoUsd(s.attributes().get(SpanCost.COMPUTE_USD_ATTRIBUTE));
    if (tokens < 0 || actions < 0 || compute < 0) {
      SpanCost split = SpanCost.of(s); // not as ingest writes it: the general rules
      tokens = nanoUsd(split.tokensUsd());
      actions = nanoUsd(split.actionsUsd());
      compute = nanoUsd(split.computeUsd());
    }
    d.add(new NumericDocValuesField(COST_TOKENS, tokens));
    d.add(new NumericDocValuesField(COST_ACTIONS, actions));
    d.add(new NumericDocValuesField(COST_COMPUTE, compute));
    d.add(encoded != null && encoded.hasArray()
        ? new StoredField(SOURCE, new BytesRef(encoded.array(), encoded.arrayOffset() + encoded.position(),
            encoded.remaining()))
        : new StoredField(SOURCE, SpanCodec.encode(s)));
    return d;
  }

  static long tiebreak(String spanId) {
    try {
      return Long.parseUnsignedLong(spanId, 16);
    } catch (NumberFormatException e) {
      return spanId.hashCode();
    }
  }

  private static void keyword(Document d, String field, String value, boolean docValues) {
    if (value.isEmpty()) {
      // Nothing to find (no query names an empty value) and roll-ups read a missing value as "".
      return;
    }
    d.add(new StringField(field, lower(value), Field.Store.NO));
    if (docValues) {
      d.add(new SortedDocValuesField(field, new BytesRef(value)));
    }
  }

  /** Other traces this span points at: its links and the spans it was delegated from. */
  static Set<String> linkedTraces(SpanRecord s) {
    if (s.links().isEmpty() && s.logicalTraceId().equals(s.traceId())
        && !s.attributes().containsKey(Delegation.ATTRIBUTE)) {
      return Set.of(); // most spans: no set to build
    }
    Set<String> out = new LinkedHashSet<>();
    for (String l : s.links()) {
      int colon = l.indexOf(':');
      String t = colon < 0 ? l : l.substring(0, colon);
      if (!t.equals(s.traceId())) {
        out.add(t);
      }
    }
    for (Delegation.Hop h : Delegation.parse(s.attributes().get(Delegation.ATTRIBUTE))) {
      if (!h.traceId().equals(s.traceId())) {
        out.add(h.traceId());
      }
    }
    if (!s.logicalTraceId().equals(s.traceId())) {
      out.add(s.logicalTraceId());
    }
    return out;
  }

  /** Text waiting for its span, by the time the text was emitted. */
  static Document pendingDocument(String spanKey, long timeNanos, String text) {
    return textDocument(KIND_PENDING, spanKey, timeNanos, text);
  }

  /**
   * Every text attached to a stored span, joined in the order it arrived, by the span's start time:
   * retention deletes it with the span, and with the span's text.
   */
  static Document attachedDocument(String spanKey, long spanStartNanos, String text) {
    return textDocument(KIND_ATTACHED, spanKey, spanStartNanos, text);
  }

  private static Document textDocument(String kind, String spanKey, long timeNanos, String text) {
    Document d = new Document();
    d.add(new StringField(KIND, kind, Field.Store.NO));
    d.add(new StringField(PENDING_FOR, spanKey, Field.Store.YES));
    d.add(new LongPoint(START, timeNanos));
    d.add(new NumericDocValuesField(START, timeNanos));
    d.add(new StoredField(PENDING_TEXT, text));
    return d;
  }
}
