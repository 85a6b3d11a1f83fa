package io.warden.tracestore.lucene;

import static io.warden.tracestore.lucene.MemoizingAnalyzerTest.tokens;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.junit.jupiter.api.Test;

class LowerCaseStandardTokenizerTest {
  /** Every character class of the word-break rules that ASCII has, more of the ones that join words. */
  private static final String ALPHABET = "aZq0795_:.',;  \t\n\r-#*@/\"(){}[]=+!?%&$~`^\\|<>\u0000\u007f";

  private static final List<String> TEXTS = List.of("", " ", "Hello World", "What is the refund policy for invoice 4711?",
      "{\"query\":\"SELECT * FROM orders WHERE id=42\",\"limit\":10}", "e.g. U.S.A. 3.14 1,000,000 don't rock'n'roll",
      "snake_case_name __init__ _x x_ ___ 12_34 a_1 1_a", "http://example.com/a/b?c=d&e=f#frag user@example.org",
      "a:b a::b 1:2 1.2.3 1..2 a..b a.1 1.a a'1 1'a 1;2 a;b 1,a", "Straße naïve ÄÖÜ café", "中文字符 日本語のテキスト 한국어",
      "emoji 👍🏽 ok #1 *2 #️⃣", "a".repeat(255), "b".repeat(256) + " tail", "x ".repeat(200) + "Y".repeat(300),
      "CamelCaseWord HTTPResponse2 MIXED lower", "line\r\nbreak\nand\ttabs", "'quoted' \"double\" 'a'");

  @Test
  void tokens_equalTheStandardAnalyzers_onRealTexts() {
    Analyzer standard = new StandardAnalyzer();
    Analyzer ours = SpanDocuments.standard();
    for (String text : TEXTS) {
      assertThat(tokens(ours, "text", text)).as(text).isEqualTo(tokens(standard, "text", text));
    }
    // Not trivially empty: the ASCII path lower-cases and keeps the inner dots and apostrophes.
    assertThat(tokens(ours, "text", "e.g. Don't")).contains("e.g/").contains("don't/");
  }

  @Test
  void tokens_equalTheStandardAnalyzers_onRandomAsciiText() {
    Analyzer standard = new StandardAnalyzer();
    Analyzer ours = SpanDocuments.standard();
    SplittableRandom random = new SplittableRandom(13);
    for (int i = 0; i < 20_000; i++) {
      StringBuilder sb = new StringBuilder();
      int n = random.nextInt(1, 40);
      for (int j = 0; j < n; j++) {
        sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
      String text = sb.toString();
      assertThat(tokens(ours, "text", text)).as("%s", text.chars().mapToObj(Integer::toString).toList())
          .isEqualTo(tokens(standard, "text", text));
    }
  }

  @Test
  void tokens_equalTheStandardAnalyzers_whenOneTokenizerAlternatesBetweenBothPaths() {
    Analyzer standard = new StandardAnalyzer();
    Analyzer ours = SpanDocuments.standard();
    for (int round = 0; round < 3; round++) {
      for (String text : List.of("plain ascii text", "naïve text", "Y".repeat(300), "back to ASCII", "")) {
        assertThat(tokens(ours, "text", text)).as(text).isEqualTo(tokens(standard, "text", text));
      }
    }
  }
}
