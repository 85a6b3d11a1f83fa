package io.warden.core.trace;

import io.warden.core.WardenException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Persists spans and answers structured queries. Implementations: Lucene (embedded default, also
 * the full-text index) and ClickHouse. The trace store's applier is the only writer: it calls
 * {@link #write}, {@link #attach} and {@link #commit} from one thread, in write-ahead-log order, and
 * drops a log entry only after every store committed it. Every store passes the trace-store's
 * {@code SpanStoreContractTest}.
 *
 * <p>Writes are idempotent on (traceId, spanId): a write-ahead-log replay, or a client resending a
 * batch it already had acknowledged, at any time, stores the span once and counts its cost once.
 */
public interface SpanStore extends AutoCloseable {

  /** ASCII name with a schema version, e.g. {@code lucene-v1}, {@code clickhouse-v1}. */
  String name();

  /**
   * Stores a batch; a span stored before is replaced. Returns when it is written (durable after
   * {@link #commit}; durability until then is the WAL's job).
   */
  void write(List<SpanRecord> spans) throws Exception;

  /**
   * {@link #write(List)}, with each span's {@link SpanCodec} encoding at hand: {@code encoded.get(i)}
   * is {@code spans.get(i)} encoded (the remaining bytes of a view of the write-ahead log entry, not a
   * copy; read it, never write it). A store that keeps spans in that encoding (Lucene's stored
   * source) uses these bytes instead of encoding every span again; the default ignores them.
   */
  default void write(List<SpanRecord> spans, List<ByteBuffer> encoded) throws Exception {
    write(spans);
  }

  /**
   * Appends searchable text that arrived apart from its span (GenAI log records); text for a span
   * not stored yet is kept until the span arrives. Optional: a store without full-text search
   * ignores it (the default).
   */
  default void attach(List<SpanText> texts) throws Exception {}

  /**
   * Makes everything written so far durable in the store, after which the write-ahead log may drop
   * it. The default is for stores whose writes are durable when {@link #write} returns.
   */
  default void commit() throws Exception {}

  /** Matching spans, newest first (ties by trace id, then span id), one page; {@link Page#nextCursor()} continues. */
  Page query(SpanQuery query) throws Exception;

  /**
   * Cost over [from, to) (either may be null: unbounded) grouped by {@code group}, highest total
   * first, then by key. Spans without a model or tool are the row with key "".
   */
  List<CostRow> costs(CostGroup group, Instant from, Instant to) throws Exception;

  /**
   * Retention: deletes spans that started before {@code spansBefore} and removes the text (prompts,
   * completions) of spans that started before {@code textBefore}, keeping the span (either may be
   * null: nothing to do). The default is for stores that expire spans themselves (ClickHouse's TTL).
   */
  default Retained enforceRetention(Instant spansBefore, Instant textBefore) throws Exception {
    return Retained.NOTHING;
  }

  /**
   * Whether the store can take writes now; false makes ingest keep spans in the WAL. Cheap enough
   * for the applier to ask before each batch; may do bounded I/O (a ping), so never ask it on an
   * event loop.
   */
  boolean healthy();

  @Override
  void close();

  record Page(List<SpanRecord> spans, String nextCursor) {
    public Page {
      spans = List.copyOf(spans);
    }
  }

  record CostRow(String key, BigDecimal tokensUsd, BigDecimal actionsUsd, BigDecimal computeUsd,
      BigDecimal totalUsd, long spans) {}

  /** What {@link #enforceRetention} did: spans deleted, spans whose text was removed. */
  record Retained(long deletedSpans, long strippedTexts) {
    public static final Retained NOTHING = new Retained(0, 0);
  }

  /** How {@link #costs} groups spans. */
  enum CostGroup {
    /** The agent the span is attributed to. */
    AGENT,
    /** The response model, else the request model. */
    MODEL,
    /** {@code gen_ai.tool.name}. */
    TOOL,
    /** The UTC day the span started, {@code yyyy-MM-dd}. */
    DAY;

    /** Lower-case, as in {@code group_by=agent}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The group named {@code value} ({@code agent}, {@code model}, {@code tool}, {@code day});
     * {@code invalid_input} listing the choices otherwise.
     */
    public static CostGroup parse(String value) {
      for (CostGroup g : values()) {
        if (g.label().equals(value)) {
          return g;
        }
      }
      throw WardenException.invalid("unknown group_by '" + value + "': expected one of agent, model, tool, day");
    }
  }
}
