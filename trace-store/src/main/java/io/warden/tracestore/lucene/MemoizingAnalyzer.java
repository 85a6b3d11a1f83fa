package io.warden.tracestore.lucene;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.AnalyzerWrapper;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionLengthAttribute;
import org.apache.lucene.analysis.tokenattributes.TypeAttribute;

/**
 * The index-time analyzer: the query-time one, except that the fields whose values repeat across
 * spans (span names, intents, status messages) analyse each distinct short value once per indexing
 * thread and replay its tokens afterwards. A span name such as {@code chat claude-opus-4-7} goes
 * through a word-delimiter graph and a graph flattener, which cost more per span than tokenising a
 * 300-character prompt; a replay is a hash lookup and a copy of a few terms. The replayed tokens are
 * exactly what the analyzer produced (term, position increment and length, offsets, type), so the
 * index is the same as without the cache.
 */
final class MemoizingAnalyzer extends AnalyzerWrapper {
  /** Values longer than this are analysed every time (they rarely repeat, and would fill the cache). */
  static final int MAX_CHARS = 256;
  /** Distinct values remembered per field and thread; the cache starts over when full. */
  static final int MAX_ENTRIES = 4096;

  private final Analyzer delegate;
  private final Set<String> memoized;

  MemoizingAnalyzer(Analyzer delegate, Set<String> memoizedFields) {
    super(PER_FIELD_REUSE_STRATEGY);
    this.delegate = delegate;
    this.memoized = Set.copyOf(memoizedFields);
  }

  @Override
  protected Analyzer getWrappedAnalyzer(String fieldName) {
    return delegate;
  }

  @Override
  protected TokenStreamComponents wrapComponents(String fieldName, TokenStreamComponents components) {
    if (!memoized.contains(fieldName)) {
      return components;
    }
    Replay replay = new Replay(components);
    return new TokenStreamComponents(replay::setReader, replay);
  }

  /** The tokens of one value, in order, and what {@code end()} leaves. */
  private record Tokens(String[] terms, int[] ints, String[] types, int finalOffset, int finalPosInc) {
    static final int INTS_PER_TOKEN = 4; // position increment, position length, start and end offset
  }

  /** Replays the tokens of values seen before; analyses the others with the wrapped components. */
  private static final class Replay extends TokenStream {
    private final TokenStreamComponents inner;
    private final Map<String, Tokens> cache = new HashMap<>();
    private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
    private final PositionIncrementAttribute posInc = addAttribute(PositionIncrementAttribute.class);
    private final PositionLengthAttribute posLen = addAttribute(PositionLengthAttribute.class);
    private final OffsetAttribute offset = addAttribute(OffsetAttribute.class);
    private final TypeAttribute type = addAttribute(TypeAttribute.class);
    private final char[] buffer = new char[MAX_CHARS + 1];
    private Reader input = Reader.nullReader();
    private Tokens tokens;
    private int next;

    Replay(TokenStreamComponents inner) {
      this.inner = inner;
    }

    void setReader(Reader reader) {
      this.input = reader;
    }

    @Override
    public void reset() throws IOException {
      super.reset();
      String value = read();
      tokens = value.length() <= MAX_CHARS ? cache.get(value) : null;
      if (tokens == null) {
        tokens = analyse(value);
        if (value.length() <= MAX_CHARS) {
          if (cache.size() >= MAX_ENTRIES) {
            cache.clear();
          }
          cache.put(value, tokens);
        }
      }
      next = 0;
    }

    /** The whole value: up to {@code MAX_CHARS + 1} chars in the buffer, longer ones in full. */
    private String read() throws IOException {
      int n = 0;
      int r;
      while (n < buffer.length && (r = input.read(buffer, n, buffer.length - n)) > 0) {
        n += r;
      }
      if (n < buffer.length) {
        return new String(buffer, 0, n);
      }
      StringBuilder sb = new StringBuilder().append(buffer, 0, n);
      char[] more = new char[1024];
      while ((r = input.read(more)) > 0) {
        sb.append(more, 0, r);
      }
      return sb.toString();
    }

    private Tokens analyse(String value) throws IOException {
      inner.getSource().accept(new StringReader(value));
      TokenStream ts = inner.getTokenStream();
      CharTermAttribute t = ts.addAttribute(CharTermAttribute.class);
      PositionIncrementAttribute pi = ts.addAttribute(PositionIncrementAttribute.class);
      PositionLengthAttribute pl = ts.addAttribute(PositionLengthAttribute.class);
      OffsetAttribute o = ts.addAttribute(OffsetAttribute.class);
      TypeAttribute ty = ts.addAttribute(TypeAttribute.class);
      java.util.ArrayList<String> terms = new java.util.ArrayList<>();
      java.util.ArrayList<String> types = new java.util.ArrayList<>();
      int[] ints = new int[16];
      try {
        ts.reset();
        while (ts.incrementToken()) {
          int i = terms.size() * Tokens.INTS_PER_TOKEN;
          if (i + Tokens.INTS_PER_TOKEN > ints.length) {
            ints = java.util.Arrays.copyOf(ints, ints.length * 2);
          }
          terms.add(t.toString());
          types.add(ty.type());
          ints[i] = pi.getPositionIncrement();
          ints[i + 1] = pl.getPositionLength();
          ints[i + 2] = o.startOffset();
          ints[i + 3] = o.endOffset();
        }
        ts.end();
        return new Tokens(terms.toArray(String[]::new), ints, types.toArray(String[]::new), o.endOffset(),
            pi.getPositionIncrement());
      } finally {
        ts.close();
      }
    }

    @Override
    public boolean incrementToken() {
      if (next >= tokens.terms().length) {
        return false;
      }
      clearAttributes();
      int i = next * Tokens.INTS_PER_TOKEN;
      term.setEmpty().append(tokens.terms()[next]);
      posInc.setPositionIncrement(tokens.ints()[i]);
      posLen.setPositionLength(tokens.ints()[i + 1]);
      offset.setOffset(tokens.ints()[i + 2], tokens.ints()[i + 3]);
      type.setType(tokens.types()[next]);
      next++;
      return true;
    }

    @Override
    public void end() throws IOException {
      super.end();
      offset.setOffset(tokens.finalOffset(), tokens.finalOffset());
      posInc.setPositionIncrement(tokens.finalPosInc());
    }

    @Override
    public void close() throws IOException {
      super.close();
      input.close();
      input = Reader.nullReader();
    }
  }
}
