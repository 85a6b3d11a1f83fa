package io.warden.tracestore.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import io.warden.tracestore.SpanHit;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code span_id:} and {@code id:} queries, in every form the query parser makes, answered from the
 * {@code id} term ({@code lucene-v3} has no {@code span_id} term): the same spans as a term of their
 * own found. Two traces share a span id, as OpenTelemetry allows.
 */
class SpanIdQueriesTest {
  private static final String T1 = "0af7651916cd43dd8448eb211c80319c";
  private static final String T2 = "1bf7651916cd43dd8448eb211c80319d";

  @TempDir
  Path dir;

  private LuceneSpanStore store;

  @BeforeEach
  void open() throws Exception {
    store = LuceneSpanStore.open(dir);
    store.write(List.of(span(T1, "00f067aa0ba902b7", 1), span(T2, "00f067aa0ba902b7", 2),
        span(T1, "00f067aa0ba902b8", 3), span(T1, "00f067aa0ba902c9", 4), span(T2, "b7ad6b7169203331", 5)));
    store.refreshNow();
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static SpanRecord span(String trace, String id, int n) {
    long start = 1_780_000_000_000_000_000L + n;
    return new SpanRecord(trace, id, "", trace, "chat gpt-4o", "svc", "planner", "chat", start, start + 1, "OK", "",
        "gpt-4o", "", 1, 1, 0, "", "", "", List.of("planner"), BigDecimal.ZERO, "text " + n, Map.of(), List.of());
  }

  /** "trace/span" of the hits, oldest first. */
  private List<String> found(String query) throws Exception {
    return store.search(new SpanQuery(query, null, null, null, null, null, null, null, null, null, 100), false)
        .hits().stream().map(SpanHit::span).sorted(java.util.Comparator.comparingLong(SpanRecord::startEpochNanos))
        .map(s -> s.traceId().substring(0, 3) + "/" + s.spanId()).toList();
  }

  @Test
  void aSpanIdTerm_findsEverySpanWithThatIdAndNoOther() throws Exception {
    assertThat(found("span_id:00f067aa0ba902b7")).containsExactly("0af/00f067aa0ba902b7", "1bf/00f067aa0ba902b7");
    assertThat(found("span_id:00F067AA0BA902B7")).containsExactly("0af/00f067aa0ba902b7", "1bf/00f067aa0ba902b7");
    assertThat(found("span_id:\"00f067aa0ba902b7\" AND trace_id:" + T2)).containsExactly("1bf/00f067aa0ba902b7");
    assertThat(found("span_id:00f067aa0ba902b7 OR span_id:b7ad6b7169203331")).hasSize(3);
    assertThat(found("text AND NOT span_id:00f067aa0ba902b7")).hasSize(3);
    // A part of an id is not the id; a trace id is not a span id.
    assertThat(found("span_id:00f067aa0ba902b")).isEmpty();
    assertThat(found("span_id:" + T1)).isEmpty();
  }

  @Test
  void prefixWildcardRegexRangeAndFuzzySpanIdQueries_keepTheirMeaning() throws Exception {
    assertThat(found("span_id:00f067aa0ba902b*")).containsExactly("0af/00f067aa0ba902b7", "1bf/00f067aa0ba902b7",
        "0af/00f067aa0ba902b8");
    assertThat(found("span_id:00f067aa0ba902?9")).containsExactly("0af/00f067aa0ba902c9");
    assertThat(found("span_id:/00f0.*b[78]/")).containsExactly("0af/00f067aa0ba902b7", "1bf/00f067aa0ba902b7",
        "0af/00f067aa0ba902b8");
    assertThat(found("span_id:[00f067aa0ba902b8 TO 00f067aa0ba902c9]")).containsExactly("0af/00f067aa0ba902b8",
        "0af/00f067aa0ba902c9");
    assertThat(found("span_id:{00f067aa0ba902b7 TO 00f067aa0ba902c9}")).containsExactly("0af/00f067aa0ba902b8");
    assertThat(found("span_id:[b TO *]")).containsExactly("1bf/b7ad6b7169203331");
    assertThat(found("span_id:00f067aa0ba902c8~1")).containsExactly("0af/00f067aa0ba902b8", "0af/00f067aa0ba902c9");
  }

  @Test
  void anIdQuery_takesTheSpanKey() throws Exception {
    assertThat(found("id:" + T2 + "\\:00f067aa0ba902b7")).containsExactly("1bf/00f067aa0ba902b7");
    assertThat(found("id:00f067aa0ba902b7")).isEmpty();
  }

  @Test
  void theIndexHasNoSpanIdTerms() throws Exception {
    store.commit();
    try (Directory d = FSDirectory.open(dir); DirectoryReader r = DirectoryReader.open(d)) {
      FieldInfos fields = FieldInfos.getMergedFieldInfos(r);
      assertThat(fields.fieldInfo(SpanDocuments.SPAN_ID)).isNull();
      assertThat(fields.fieldInfo(SpanDocuments.ID)).isNotNull();
    }
  }
}
