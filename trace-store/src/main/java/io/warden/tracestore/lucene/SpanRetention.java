package io.warden.tracestore.lucene;

import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanStore.Retained;
import java.io.IOException;
import java.time.Instant;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
/**
 * Retention over the span index: deletes old spans (and the text documents by their time: text
 * still waiting for its span, and text attached to a span, which has the span's time), strips the
 * text of spans older than the text retention and deletes text documents as old, and commits when
 * anything changed.
 */
final class SpanRetention {
  private final IndexWriter writer;
  private final SearcherManager searchers;

  SpanRetention(IndexWriter writer, SearcherManager searchers) {
    this.writer = writer;
    this.searchers = searchers;
  }

  /**
   * What {@link #enforce} did: spans deleted and spans that lost their text ({@code retained}), and
   * text documents deleted (waiting or attached text).
   */
  record Result(Retained retained, long deletedTextDocuments) {}

  /**
   * Retention: deletes spans (and text documents) that started before {@code spansBefore}, and
   * removes the text (prompts, completions) of spans that started before {@code textBefore} while
   * keeping the span, and every text document as old: text attached to such a span must not come
   * back when it is sent again. Returns how many spans were deleted and how many lost their text.
   */
  Result enforce(Instant spansBefore, Instant textBefore) throws IOException {
    long deleted = 0;
    long texts = 0;
    if (spansBefore != null) {
      Query old = LongPoint.newRangeQuery(SpanDocuments.START, Long.MIN_VALUE, SpanDocuments.nanos(spansBefore) - 1);
      deleted = count(SpanSearch.spans(old));
      texts = count(textDocuments(old));
      if (deleted > 0 || texts > 0) {
        writer.deleteDocuments(old);
      }
    }
    long stripped = 0;
    if (textBefore != null) {
      Query older = LongPoint.newRangeQuery(SpanDocuments.START, Long.MIN_VALUE, SpanDocuments.nanos(textBefore) - 1);
      Query oldTexts = textDocuments(older);
      long oldTextDocuments = count(oldTexts);
      if (oldTextDocuments > 0) {
        writer.deleteDocuments(oldTexts);
        texts += oldTextDocuments;
      }
      Query oldText = SpanSearch.spans(new BooleanQuery.Builder()
          .add(new TermQuery(new Term(SpanDocuments.HAS_TEXT, "1")), BooleanClause.Occur.FILTER)
          .add(older, BooleanClause.Occur.FILTER)
          .build());
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
            SpanRecord span = SpanSearch.read(stored, sd.doc);
            writer.updateDocument(new Term(SpanDocuments.ID, SpanIdQueries.id(span.traceId(), span.spanId())),
                SpanDocuments.toDocument(span.withText("")));
            stripped++;
          }
        } finally {
          searchers.release(s);
        }
      }
    }
    if (deleted > 0 || stripped > 0 || texts > 0) {
      writer.commit();
      searchers.maybeRefreshBlocking();
    }
    return new Result(new Retained(deleted, stripped), texts);
  }

  /** Documents matching {@code q} in the index as it is now (writes so far refreshed in). */
  private long count(Query q) throws IOException {
    searchers.maybeRefreshBlocking();
    IndexSearcher s = searchers.acquire();
    try {
      return s.count(q);
    } finally {
      searchers.release(s);
    }
  }

  /** The text documents (waiting or attached text) among {@code q}'s: all that is not a span. */
  private static Query textDocuments(Query q) {
    return new BooleanQuery.Builder()
        .add(q, BooleanClause.Occur.FILTER)
        .add(SpanSearch.SPANS, BooleanClause.Occur.MUST_NOT)
        .build();
  }

}
