package io.warden.tracestore.lucene;

import java.io.CharArrayReader;
import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.analysis.CharacterUtils;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.analysis.tokenattributes.TypeAttribute;

/**
 * The tokens of {@link StandardAnalyzer} (a {@link StandardTokenizer} followed by a lower-casing
 * filter and an empty stop filter) from one tokenizer, cheaper for ASCII text: a value made only of
 * ASCII characters is split by the UAX#29 word-break rules restricted to ASCII and lower-cased in the
 * same pass; any other value (or one with a word longer than the standard tokenizer's 255
 * characters) goes through a {@link StandardTokenizer} as before. Both paths give exactly the
 * standard analyzer's terms, positions, offsets and types ({@code LowerCaseStandardTokenizerTest}
 * compares them on random and real texts), so the index format does not change.
 *
 * <p>Why: tokenising (the JFlex scanner) and lower-casing were ~14% of the Lucene writer thread on
 * GenAI spans, whose prompts and completions are mostly ASCII.
 */
final class LowerCaseStandardTokenizer extends Tokenizer {
  private static final int MAX_TOKEN_LENGTH = StandardAnalyzer.DEFAULT_MAX_TOKEN_LENGTH;
  /** A value's buffer above this size is dropped after use rather than kept per thread. */
  private static final int KEEP_CHARS = 1 << 16;
  private static final String ALPHANUM = StandardTokenizer.TOKEN_TYPES[StandardTokenizer.ALPHANUM];
  private static final String NUM = StandardTokenizer.TOKEN_TYPES[StandardTokenizer.NUM];

  // UAX#29 word-break classes of the ASCII characters.
  private static final byte OTHER = 0;
  private static final byte LETTER = 1; // ALetter
  private static final byte DIGIT = 2; // Numeric
  private static final byte UNDERSCORE = 3; // ExtendNumLet
  private static final byte MID_LETTER = 4; // MidLetter: ':'
  private static final byte MID_NUM_LET = 5; // MidNumLet and Single_Quote: '.', '\''
  private static final byte MID_NUM = 6; // MidNum: ',', ';'
  private static final byte[] CLASS = new byte[128];

  static {
    for (char c = 'a'; c <= 'z'; c++) {
      CLASS[c] = LETTER;
      CLASS[c - 'a' + 'A'] = LETTER;
    }
    for (char c = '0'; c <= '9'; c++) {
      CLASS[c] = DIGIT;
    }
    CLASS['_'] = UNDERSCORE;
    CLASS[':'] = MID_LETTER;
    CLASS['.'] = MID_NUM_LET;
    CLASS['\''] = MID_NUM_LET;
    CLASS[','] = MID_NUM;
    CLASS[';'] = MID_NUM;
  }

  private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
  private final OffsetAttribute offset = addAttribute(OffsetAttribute.class);
  private final PositionIncrementAttribute positionIncrement = addAttribute(PositionIncrementAttribute.class);
  private final TypeAttribute type = addAttribute(TypeAttribute.class);

  private char[] chars = new char[1024];
  private int length;
  /** The ASCII path's tokens: start offset, end offset, 1 if it has a letter; in order. */
  private int[] tokens = new int[96];
  private int tokenCount;
  private int next;
  /** The other path, made on first need. */
  private StandardTokenizer standard;
  private boolean useStandard;

  LowerCaseStandardTokenizer() {}

  @Override
  public void reset() throws IOException {
    super.reset();
    length = 0;
    for (int n; (n = input.read(chars, length, chars.length - length)) > 0; ) {
      length += n;
      if (length == chars.length) {
        chars = Arrays.copyOf(chars, chars.length * 2);
      }
    }
    next = 0;
    useStandard = !splitAscii();
    if (useStandard) {
      if (standard == null) {
        standard = new StandardTokenizer();
      }
      standard.setReader(new CharArrayReader(chars, 0, length));
      standard.reset();
    }
  }

  /**
   * Splits {@link #chars} into {@link #tokens} in one pass; false if the value is not ASCII or has
   * too long a word. Inside a word the last character is always a letter, digit or underscore, so
   * a following letter, digit or underscore always joins it (WB5, WB8–WB10, WB13a, WB13b), and a
   * middle character joins only between two letters (':', '.', '\'': WB6, WB7) or two digits
   * (',', ';', '.', '\'': WB11, WB12); anything else breaks.
   */
  private boolean splitAscii() {
    char[] c = chars;
    int n = length;
    tokenCount = 0;
    int i = 0;
    while (i < n) {
      char first = c[i];
      if (first >= 128) {
        return false;
      }
      byte last = CLASS[first];
      if (last != LETTER && last != DIGIT && last != UNDERSCORE) {
        i++; // breaks on both sides: never inside a word
        continue;
      }
      int start = i;
      boolean letter = last == LETTER;
      boolean word = last != UNDERSCORE;
      for (i++; i < n; ) {
        char ch = c[i];
        if (ch >= 128) {
          return false;
        }
        byte k = CLASS[ch];
        if (k == LETTER || k == DIGIT) {
          letter |= k == LETTER;
          word = true;
          last = k;
          i++;
        } else if (k == UNDERSCORE) {
          last = k;
          i++;
        } else if (k != OTHER && last != UNDERSCORE && i + 1 < n && c[i + 1] < 128 && CLASS[c[i + 1]] == last
            && (last == LETTER ? k != MID_NUM : k != MID_LETTER)) {
          i += 2; // the middle character and the letter or digit after it; last stays what it was
        } else {
          break;
        }
      }
      if (!word) {
        continue; // only underscores: the standard tokenizer emits nothing
      }
      if (i - start > MAX_TOKEN_LENGTH) {
        return false;
      }
      if (tokenCount * 3 + 3 > tokens.length) {
        tokens = Arrays.copyOf(tokens, tokens.length * 2);
      }
      tokens[tokenCount * 3] = start;
      tokens[tokenCount * 3 + 1] = i;
      tokens[tokenCount * 3 + 2] = letter ? 1 : 0;
      tokenCount++;
    }
    return true;
  }

  @Override
  public boolean incrementToken() throws IOException {
    clearAttributes();
    if (useStandard) {
      if (!standard.incrementToken()) {
        return false;
      }
      CharTermAttribute t = standard.getAttribute(CharTermAttribute.class);
      term.copyBuffer(t.buffer(), 0, t.length());
      CharacterUtils.toLowerCase(term.buffer(), 0, term.length());
      OffsetAttribute o = standard.getAttribute(OffsetAttribute.class);
      offset.setOffset(correctOffset(o.startOffset()), correctOffset(o.endOffset()));
      positionIncrement.setPositionIncrement(
          standard.getAttribute(PositionIncrementAttribute.class).getPositionIncrement());
      type.setType(standard.getAttribute(TypeAttribute.class).type());
      return true;
    }
    if (next == tokenCount) {
      return false;
    }
    int start = tokens[next * 3];
    int end = tokens[next * 3 + 1];
    char[] out = term.resizeBuffer(end - start);
    for (int i = start; i < end; i++) {
      char ch = chars[i];
      out[i - start] = ch >= 'A' && ch <= 'Z' ? (char) (ch + ('a' - 'A')) : ch;
    }
    term.setLength(end - start);
    offset.setOffset(correctOffset(start), correctOffset(end));
    type.setType(tokens[next * 3 + 2] == 1 ? ALPHANUM : NUM);
    next++;
    return true;
  }

  @Override
  public void end() throws IOException {
    super.end();
    if (useStandard) {
      standard.end();
      int last = standard.getAttribute(OffsetAttribute.class).endOffset();
      offset.setOffset(correctOffset(last), correctOffset(last));
      positionIncrement.setPositionIncrement(
          standard.getAttribute(PositionIncrementAttribute.class).getPositionIncrement());
    } else {
      offset.setOffset(correctOffset(length), correctOffset(length));
    }
  }

  @Override
  public void close() throws IOException {
    super.close();
    if (standard != null && useStandard) {
      standard.close();
    }
    useStandard = false;
    if (chars.length > KEEP_CHARS) {
      chars = new char[1024];
    }
  }
}
