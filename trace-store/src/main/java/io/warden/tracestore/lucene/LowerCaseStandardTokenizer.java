package io.warden.tracestore.lucene;

import java.io.CharArrayReader;
import java.io.IOException;
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
        chars = java.util.Arrays.copyOf(chars, chars.length * 2);
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

  /** Splits {@link #chars} into {@link #tokens}; false if the value is not ASCII or has too long a word. */
  private boolean splitAscii() {
    char[] c = chars;
    int n = length;
    for (int i = 0; i < n; i++) {
      if (c[i] >= 128) {
        return false;
      }
    }
    tokenCount = 0;
    int i = 0;
    while (i < n) {
      byte k = CLASS[c[i]];
      if (k != LETTER && k != DIGIT && k != UNDERSCORE) {
        i++; // breaks on both sides: never inside a word
        continue;
      }
      int start = i;
      boolean letter = k == LETTER;
      boolean word = k != UNDERSCORE;
      // Extend the segment while the pair (c[i], c[i + 1]) does not break.
      while (i + 1 < n) {
        byte a = CLASS[c[i]];
        byte b = CLASS[c[i + 1]];
        if (b == LETTER || b == DIGIT) {
          if (a == LETTER || a == DIGIT || a == UNDERSCORE) { // WB5, WB8, WB9, WB10, WB13b
            i++;
          } else {
            break;
          }
        } else if (b == UNDERSCORE) {
          if (a == LETTER || a == DIGIT || a == UNDERSCORE) { // WB13a
            i++;
          } else {
            break;
          }
        } else if (i + 2 < n && (a == LETTER || a == DIGIT) && (b == MID_LETTER || b == MID_NUM_LET || b == MID_NUM)
            && CLASS[c[i + 2]] == a && (a == LETTER ? b != MID_NUM : b != MID_LETTER)) {
          i += 2; // WB6/WB7 (letter, mid, letter) and WB11/WB12 (digit, mid, digit)
        } else {
          break;
        }
        k = CLASS[c[i]];
        letter |= k == LETTER;
        word |= k != UNDERSCORE;
      }
      int end = i + 1;
      i = end;
      if (!word) {
        continue; // only underscores: the standard tokenizer emits nothing
      }
      if (end - start > MAX_TOKEN_LENGTH) {
        return false;
      }
      if (tokenCount * 3 + 3 > tokens.length) {
        tokens = java.util.Arrays.copyOf(tokens, tokens.length * 2);
      }
      tokens[tokenCount * 3] = start;
      tokens[tokenCount * 3 + 1] = end;
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
