package io.warden.tracestore.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionLengthAttribute;
import org.apache.lucene.analysis.tokenattributes.TypeAttribute;
import org.junit.jupiter.api.Test;

class MemoizingAnalyzerTest {
  private static final List<String> VALUES = List.of("chat claude-opus-4-7", "invoice.lookup", "execute_tool getHTTPResponse2",
      "mcp://gateway/refund_v2", "", "  ", "Upstream timeout after 30s (invoice 4711)", "ÄÖÜ straße naïve", "a".repeat(300),
      "x".repeat(256), "y".repeat(257) + " tail.part");

  @Test
  void indexAnalyzer_replaysExactlyTheTokensOfTheQueryAnalyzer_firstTimeAndFromTheCache() {
    Analyzer plain = SpanDocuments.analyzer();
    Analyzer index = SpanDocuments.indexAnalyzer();
    for (String field : List.of(SpanDocuments.NAME, SpanDocuments.INTENT, SpanDocuments.STATUS_MESSAGE,
        SpanDocuments.TEXT, SpanDocuments.AGENT)) {
      for (int round = 0; round < 3; round++) {
        for (String value : VALUES) {
          assertThat(tokens(index, field, value)).as("%s round %d: %s", field, round, value)
              .isEqualTo(tokens(plain, field, value));
        }
      }
    }
    // The name analyzer really splits: the replay is not trivially empty.
    assertThat(tokens(index, SpanDocuments.NAME, "invoice.lookup")).contains("invoice/").contains("lookup/")
        .contains("invoice.lookup/");
  }

  @Test
  void indexAnalyzer_cacheFull_startsOverAndStaysExact() {
    Analyzer plain = SpanDocuments.analyzer();
    Analyzer index = SpanDocuments.indexAnalyzer();
    for (int i = 0; i < MemoizingAnalyzer.MAX_ENTRIES * 2 + 10; i++) {
      String v = "agent" + i + ".step_" + (i % 7) + "Run";
      assertThat(tokens(index, SpanDocuments.NAME, v)).isEqualTo(tokens(plain, SpanDocuments.NAME, v));
    }
  }

  /** Every token as "term/posInc/posLen/start-end/type", then what end() leaves. */
  static String tokens(Analyzer analyzer, String field, String value) {
    StringBuilder sb = new StringBuilder();
    try (TokenStream ts = analyzer.tokenStream(field, value)) {
      CharTermAttribute t = ts.addAttribute(CharTermAttribute.class);
      PositionIncrementAttribute pi = ts.addAttribute(PositionIncrementAttribute.class);
      PositionLengthAttribute pl = ts.addAttribute(PositionLengthAttribute.class);
      OffsetAttribute o = ts.addAttribute(OffsetAttribute.class);
      TypeAttribute ty = ts.addAttribute(TypeAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        sb.append(t).append('/').append(pi.getPositionIncrement()).append('/').append(pl.getPositionLength())
            .append('/').append(o.startOffset()).append('-').append(o.endOffset()).append('/').append(ty.type())
            .append('\n');
      }
      ts.end();
      sb.append("end ").append(o.endOffset()).append('/').append(pi.getPositionIncrement());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sb.toString();
  }
}
