package io.warden.tracestore.lucene;

import io.warden.core.trace.SpanStore.CostGroup;
import io.warden.core.trace.SpanStore.CostRow;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.CollectorManager;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.SimpleCollector;
/**
 * Cost roll-ups over the span index: the tokens, actions, compute and total of each group, summed
 * from doc values in one pass over the matching spans (no stored fields read).
 */
final class CostRollup {
  private final SearcherManager searchers;

  CostRollup(SearcherManager searchers) {
    this.searchers = searchers;
  }

  /** Cost over [from, to) grouped by {@code group}, highest total first, then by key. */
  List<CostRow> costs(CostGroup group, Instant from, Instant to) throws IOException {
    String field = switch (group) {
      case AGENT -> SpanDocuments.AGENT;
      case MODEL -> SpanDocuments.MODEL;
      case TOOL -> SpanDocuments.TOOL;
      case DAY -> null;
    };
    BooleanQuery.Builder b = new BooleanQuery.Builder().add(SpanSearch.SPANS, BooleanClause.Occur.FILTER);
    if (from != null || to != null) {
      b.add(LongPoint.newRangeQuery(SpanDocuments.START, from == null ? Long.MIN_VALUE : SpanDocuments.nanos(from),
          to == null ? Long.MAX_VALUE : SpanDocuments.nanos(to) - 1), BooleanClause.Occur.FILTER);
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

}
