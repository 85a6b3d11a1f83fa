package io.warden.core.trace;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A compact binary form of {@link SpanRecord}, used by the write-ahead log and as the stored source
 * of a Lucene document. Format version 1: a version byte, then every component in declaration order;
 * strings as a varint length plus UTF-8, longs as 8 bytes, lists and maps as a varint count.
 *
 * <p>Not a wire format: it can change at any time (the version byte guards stored data).
 */
public final class SpanCodec {
  private static final byte VERSION = 1;

  private SpanCodec() {}

  public static byte[] encode(SpanRecord s) {
    Out out = new Out(256 + s.text().length());
    write(out, s);
    return out.toByteArray();
  }

  /** Appends a count-prefixed list of records. */
  public static void writeList(Out out, List<SpanRecord> spans) {
    out.varint(spans.size());
    for (SpanRecord s : spans) {
      write(out, s);
    }
  }

  public static List<SpanRecord> readList(In in) {
    int n = in.varint();
    List<SpanRecord> spans = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      spans.add(read(in));
    }
    return spans;
  }

  public static void write(Out out, SpanRecord s) {
    out.b(VERSION);
    out.str(s.traceId());
    out.str(s.spanId());
    out.str(s.parentSpanId());
    out.str(s.logicalTraceId());
    out.str(s.name());
    out.str(s.service());
    out.str(s.agent());
    out.str(s.operation());
    out.i64(s.startEpochNanos());
    out.i64(s.endEpochNanos());
    out.str(s.status());
    out.str(s.statusMessage());
    out.str(s.requestModel());
    out.str(s.responseModel());
    out.i64(s.inputTokens());
    out.i64(s.outputTokens());
    out.i64(s.cachedTokens());
    out.str(s.toolName());
    out.str(s.conversationId());
    out.str(s.intent());
    out.varint(s.delegationChain().size());
    for (String a : s.delegationChain()) {
      out.str(a);
    }
    out.str(s.costUsd().toPlainString());
    out.str(s.text());
    out.varint(s.attributes().size());
    for (Map.Entry<String, String> e : s.attributes().entrySet()) {
      out.str(e.getKey());
      out.str(e.getValue());
    }
    out.varint(s.links().size());
    for (String l : s.links()) {
      out.str(l);
    }
  }

  public static SpanRecord decode(byte[] bytes) {
    return read(new In(bytes, 0, bytes.length));
  }

  public static SpanRecord read(In in) {
    byte version = in.b();
    if (version != VERSION) {
      throw new IllegalStateException("unknown span encoding version " + version);
    }
    String traceId = in.str();
    String spanId = in.str();
    String parent = in.str();
    String logical = in.str();
    String name = in.str();
    String service = in.str();
    String agent = in.str();
    String operation = in.str();
    long start = in.i64();
    long end = in.i64();
    String status = in.str();
    String statusMessage = in.str();
    String requestModel = in.str();
    String responseModel = in.str();
    long input = in.i64();
    long output = in.i64();
    long cached = in.i64();
    String tool = in.str();
    String conversation = in.str();
    String intent = in.str();
    int chainSize = in.varint();
    List<String> chain = new ArrayList<>(chainSize);
    for (int i = 0; i < chainSize; i++) {
      chain.add(in.str());
    }
    BigDecimal cost = new BigDecimal(in.str());
    String text = in.str();
    int attrSize = in.varint();
    Map<String, String> attrs = HashMap.newHashMap(attrSize);
    for (int i = 0; i < attrSize; i++) {
      attrs.put(in.str(), in.str());
    }
    int linkSize = in.varint();
    List<String> links = new ArrayList<>(linkSize);
    for (int i = 0; i < linkSize; i++) {
      links.add(in.str());
    }
    return new SpanRecord(traceId, spanId, parent, logical, name, service, agent, operation, start, end,
        status, statusMessage, requestModel, responseModel, input, output, cached, tool, conversation,
        intent, chain, cost, text, attrs, links);
  }

  /** A growable byte buffer writer. */
  public static final class Out {
    private byte[] buf;
    private int len;

    public Out(int capacity) {
      buf = new byte[Math.max(16, capacity)];
    }

    private void ensure(int extra) {
      if (len + extra > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
      }
    }

    public void b(byte v) {
      ensure(1);
      buf[len++] = v;
    }

    public void i64(long v) {
      ensure(8);
      for (int i = 7; i >= 0; i--) {
        buf[len++] = (byte) (v >>> (i * 8));
      }
    }

    public void i32(int v) {
      ensure(4);
      for (int i = 3; i >= 0; i--) {
        buf[len++] = (byte) (v >>> (i * 8));
      }
    }

    public void varint(int v) {
      ensure(5);
      while ((v & ~0x7F) != 0) {
        buf[len++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[len++] = (byte) v;
    }

    public void bytes(byte[] b) {
      varint(b.length);
      ensure(b.length);
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
    }

    public void str(String s) {
      if (s.isEmpty()) {
        varint(0);
        return;
      }
      // getBytes is vectorised for Latin-1 strings; a char-by-char copy measured slower.
      bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    public int length() {
      return len;
    }

    public byte[] toByteArray() {
      return Arrays.copyOf(buf, len);
    }
  }

  /** A reader over a byte range; throws {@link IllegalStateException} on truncated input. */
  public static final class In {
    private final byte[] buf;
    private int pos;
    private final int end;

    public In(byte[] buf, int offset, int length) {
      this.buf = buf;
      this.pos = offset;
      this.end = offset + length;
    }

    private void need(int n) {
      if (n < 0 || pos + n > end) {
        throw new IllegalStateException("truncated span encoding at byte " + pos);
      }
    }

    public byte b() {
      need(1);
      return buf[pos++];
    }

    public long i64() {
      need(8);
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (buf[pos++] & 0xFF);
      }
      return v;
    }

    public int i32() {
      need(4);
      int v = 0;
      for (int i = 0; i < 4; i++) {
        v = (v << 8) | (buf[pos++] & 0xFF);
      }
      return v;
    }

    public int varint() {
      int shift = 0;
      int v = 0;
      while (true) {
        byte b = b();
        v |= (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
        shift += 7;
        if (shift > 28) {
          throw new IllegalStateException("bad varint at byte " + pos);
        }
      }
    }

    public byte[] bytes() {
      int n = varint();
      need(n);
      byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
      pos += n;
      return out;
    }

    public String str() {
      int n = varint();
      if (n == 0) {
        return "";
      }
      need(n);
      String s = new String(buf, pos, n, StandardCharsets.UTF_8);
      pos += n;
      return s;
    }

    public boolean hasMore() {
      return pos < end;
    }

    /** The index in the buffer of the next byte to read: where the next record starts. */
    public int position() {
      return pos;
    }
  }
}
