package io.warden.tracestore.lucene;

import org.apache.lucene.index.Term;
import org.apache.lucene.search.AutomatonQuery;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.FuzzyQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.CompiledAutomaton;
import org.apache.lucene.util.automaton.Operations;
import org.apache.lucene.util.automaton.UTF32ToUTF8;

/**
 * Answers {@code span_id} and {@code id} queries from the {@code id} term, which {@code lucene-v3}
 * and later write as {@code spanId:traceId}: the span id first, so that the spans with a given span id are
 * the ids that start with {@code spanId:} (one term-dictionary seek). {@code lucene-v2} indexed a
 * {@code span_id} term beside the id, a second term unique to every span for flushes to sort and
 * merges to rewrite. Trace and span ids are hex, so the first colon ends the span id.
 *
 * <p>Every form the query parser makes of a {@code span_id:} clause keeps its meaning: a term
 * ({@code span_id:00f067aa0ba902b7}) becomes a prefix of the id; a prefix, wildcard, regular
 * expression, range or fuzzy term is the same language of span ids followed by {@code :} and any
 * trace id. An {@code id:} term, the key {@code traceId:spanId}, is turned around.
 */
final class SpanIdQueries {
  private static final BytesRef SEPARATOR = new BytesRef(":");

  private SpanIdQueries() {}

  /** The {@code id} term of a span. */
  static String id(String traceId, String spanId) {
    return spanId + ":" + traceId;
  }

  /** The {@code id} term of the span whose key ({@code traceId:spanId}) is {@code spanKey}. */
  static String idOfKey(String spanKey) {
    int colon = spanKey.indexOf(':');
    return colon < 0 ? spanKey : id(spanKey.substring(0, colon), spanKey.substring(colon + 1));
  }

  /** {@code query} with its {@code span_id} and {@code id} clauses answered from the id term. */
  static Query rewrite(Query query) {
    if (query instanceof BooleanQuery b) {
      BooleanQuery.Builder out = new BooleanQuery.Builder().setMinimumNumberShouldMatch(b.getMinimumNumberShouldMatch());
      boolean changed = false;
      for (BooleanClause c : b.clauses()) {
        Query r = rewrite(c.query());
        changed |= r != c.query();
        out.add(r, c.occur());
      }
      return changed ? out.build() : b;
    }
    if (query instanceof BoostQuery b) {
      Query r = rewrite(b.getQuery());
      return r == b.getQuery() ? b : new BoostQuery(r, b.getBoost());
    }
    if (query instanceof ConstantScoreQuery c) {
      Query r = rewrite(c.getQuery());
      return r == c.getQuery() ? c : new ConstantScoreQuery(r);
    }
    if (query instanceof TermQuery t && t.getTerm().field().equals(SpanDocuments.ID)) {
      return new TermQuery(new Term(SpanDocuments.ID, idOfKey(t.getTerm().text())));
    }
    if (query instanceof TermQuery t && t.getTerm().field().equals(SpanDocuments.SPAN_ID)) {
      return new PrefixQuery(new Term(SpanDocuments.ID, t.getTerm().text() + ":"));
    }
    if (query instanceof AutomatonQuery a && a.getField().equals(SpanDocuments.SPAN_ID)) {
      Automaton spanIds = a.isAutomatonBinary() ? a.getAutomaton() : new UTF32ToUTF8().convert(a.getAutomaton());
      return ids(spanIds, a.toString());
    }
    if (query instanceof FuzzyQuery f && f.getField().equals(SpanDocuments.SPAN_ID)) {
      CompiledAutomaton c = f.getAutomata();
      Automaton spanIds = switch (c.type) {
        case NONE -> Automata.makeEmpty();
        case ALL -> Automata.makeAnyBinary();
        case SINGLE -> Automata.makeBinary(c.term);
        case NORMAL -> c.automaton;
      };
      return ids(spanIds, f.toString());
    }
    return query;
  }

  /** Ids whose span id is in {@code spanIds} (a UTF-8 automaton). */
  private static Query ids(Automaton spanIds, String label) {
    Automaton a = Operations.concatenate(java.util.List.of(spanIds, Automata.makeBinary(SEPARATOR),
        Automata.makeAnyBinary()));
    a = Operations.determinize(a, Operations.DEFAULT_DETERMINIZE_WORK_LIMIT);
    return new AutomatonQuery(new Term(SpanDocuments.ID, label), a, true);
  }
}
