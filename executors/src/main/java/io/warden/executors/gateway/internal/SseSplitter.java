package io.warden.executors.gateway.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Cuts a server-sent-events byte stream into whole events (the text up to a blank line), as the
 * bytes arrive; nothing beyond the current event is held back.
 *
 * <p>Events are handed on as ranges of the bytes read ({@link EventHandler}), so the gateway's
 * relay, which runs once per streamed chunk, decodes, copies and splits nothing it does not have
 * to; {@link #SseSplitter(Consumer)} hands them on as text.
 *
 * <p>Internal: not public API. Not thread-safe (one per stream, used on its event loop).
 */
public final class SseSplitter {
  private static final byte[] EMPTY = new byte[0];

  /** Receives each complete, non-blank event: {@code bytes[from, to)}, without the blank line after it. */
  @FunctionalInterface
  public interface EventHandler {
    /** The range is valid during the call only: the bytes are reused after it returns. */
    void event(byte[] bytes, int from, int to);
  }

  private final EventHandler onEvent;
  /** Bytes of an event not complete yet (the first {@link #pendingLength}). */
  private byte[] pending = EMPTY;
  private int pendingLength;

  /** Events as text: UTF-8 decoded, carriage returns removed. */
  public SseSplitter(Consumer<String> onEvent) {
    this((bytes, from, to) -> onEvent.accept(text(bytes, from, to)));
  }

  public SseSplitter(EventHandler onEvent) {
    this.onEvent = onEvent;
  }

  /** Feeds bytes; calls back once per complete event (without the separating blank line). */
  public void feed(byte[] bytes) {
    feed(bytes, 0, bytes.length);
  }

  /** Feeds {@code bytes[from, to)}; calls back once per complete event. */
  public void feed(byte[] bytes, int from, int to) {
    if (pendingLength == 0) {
      // The common case: events start with this read. What is left of it is held back as pending.
      int rest = split(bytes, from, to);
      hold(bytes, rest, to);
      return;
    }
    // SSE is UTF-8 and events split on ASCII newlines, so a multi-byte character cut between reads
    // is decoded whole once its event is complete: keep bytes until then.
    hold(bytes, from, to);
    int rest = split(pending, 0, pendingLength);
    int left = pendingLength - rest;
    System.arraycopy(pending, rest, pending, 0, left);
    pendingLength = left;
  }

  /** Bytes of an event not yet complete. */
  public int pendingBytes() {
    return pendingLength;
  }

  /** Calls back with what is left when the stream ends without a final blank line. */
  public void finish() {
    String rest = text(pending, 0, pendingLength).strip();
    pending = EMPTY;
    pendingLength = 0;
    if (!rest.isEmpty()) {
      byte[] b = rest.getBytes(StandardCharsets.UTF_8); // once per stream: as text, as it always was
      onEvent.event(b, 0, b.length);
    }
  }

  /** Calls back for each complete event in {@code b[from, to)}; returns where the incomplete rest starts. */
  private int split(byte[] b, int from, int to) {
    int start = from;
    for (int i = from; i < to; i++) {
      if (b[i] != '\n') {
        continue;
      }
      int next = i + 1;
      boolean blank = next < to && b[next] == '\n';
      boolean blankCr = next + 1 < to && b[next] == '\r' && b[next + 1] == '\n';
      if (blank || blankCr) {
        int end = i;
        int nextStart = next + (blank ? 1 : 2);
        if (!blank(b, start, end)) {
          onEvent.event(b, start, end);
        }
        start = nextStart;
        i = start - 1;
      }
    }
    return start;
  }

  private void hold(byte[] bytes, int from, int to) {
    int n = to - from;
    if (n == 0) {
      return;
    }
    if (pending.length < pendingLength + n) {
      pending = Arrays.copyOf(pending, Math.max(pendingLength + n, Math.max(256, 2 * pending.length)));
    }
    System.arraycopy(bytes, from, pending, pendingLength, n);
    pendingLength += n;
  }

  /** Whether the event's text (carriage returns removed) is blank, as {@link String#isBlank()} says. */
  private static boolean blank(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      byte c = b[i];
      if (c < 0) {
        return text(b, from, to).isBlank(); // a non-ASCII character before any other: decide on the text
      }
      if (!whitespace(c)) {
        return false;
      }
    }
    return true;
  }

  /** An ASCII character {@link Character#isWhitespace} counts. */
  private static boolean whitespace(byte c) {
    return c >= 0 && Character.isWhitespace(c);
  }

  /** The text of {@code b[from, to)}: UTF-8 decoded, carriage returns removed. */
  public static String text(byte[] b, int from, int to) {
    String s = new String(b, from, to - from, StandardCharsets.UTF_8);
    return s.indexOf('\r') < 0 ? s : s.replace("\r", "");
  }

  /**
   * Whether {@code b[from, to)} is exactly the UTF-8 encoding of its {@link #text}: no carriage
   * return, well-formed UTF-8 (what a decoder would replace is not). Such an event can be relayed
   * and read as the bytes it came in.
   */
  public static boolean plain(byte[] b, int from, int to) {
    int i = from;
    while (i < to) {
      int c = b[i];
      if (c >= 0) {
        if (c == '\r') {
          return false;
        }
        i++;
        continue;
      }
      c &= 0xff;
      int n;
      int min;
      if (c >= 0xc2 && c <= 0xdf) {
        n = 1;
        min = 0x80;
      } else if (c >= 0xe0 && c <= 0xef) {
        n = 2;
        min = 0x800;
      } else if (c >= 0xf0 && c <= 0xf4) {
        n = 3;
        min = 0x10000;
      } else {
        return false;
      }
      if (i + n >= to) {
        return false; // cut short
      }
      int cp = c & (0x3f >> n);
      for (int k = 1; k <= n; k++) {
        int cc = b[i + k] & 0xff;
        if ((cc & 0xc0) != 0x80) {
          return false;
        }
        cp = (cp << 6) | (cc & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return false;
      }
      i += n + 1;
    }
    return true;
  }

  /** The value of the {@code data:} lines of an event, joined by newlines; "" when none. */
  public static String data(String event) {
    StringBuilder out = new StringBuilder();
    for (String line : event.split("\n")) {
      if (line.startsWith("data:")) {
        if (!out.isEmpty()) {
          out.append('\n');
        }
        out.append(line.startsWith("data: ") ? line.substring(6) : line.substring(5));
      }
    }
    return out.toString();
  }

  /**
   * The value of a {@link #plain} event's {@code data:} lines, joined by newlines, as bytes: the
   * event's own bytes when it has one data line (the usual case), a joined copy otherwise. One per
   * stream, reused for each of its events.
   */
  public static final class Data {
    byte[] bytes = EMPTY;
    int from;
    int to;

    /** Reads the data of {@code b[from, to)} (a {@link #plain} event); returns this. */
    public Data read(byte[] b, int from, int to) {
      this.bytes = EMPTY;
      this.from = 0;
      this.to = 0;
      byte[] joined = null;
      int joinedLength = 0;
      int line = from;
      while (line <= to) {
        int end = line;
        while (end < to && b[end] != '\n') {
          end++;
        }
        if (end - line >= 5 && b[line] == 'd' && b[line + 1] == 'a' && b[line + 2] == 't' && b[line + 3] == 'a'
            && b[line + 4] == ':') {
          int value = line + 5 < end && b[line + 5] == ' ' ? line + 6 : line + 5;
          if (joined == null && this.to == this.from) {
            // Nothing yet: data(String) puts a newline only after something, so empty lines before add none.
            this.bytes = b;
            this.from = value;
            this.to = end;
          } else {
            if (joined == null) {
              joined = Arrays.copyOfRange(this.bytes, this.from, this.to + 1 + (end - value) + 16);
              joinedLength = this.to - this.from;
            } else if (joined.length < joinedLength + 1 + (end - value)) {
              joined = Arrays.copyOf(joined, 2 * (joinedLength + 1 + (end - value)));
            }
            joined[joinedLength++] = '\n';
            System.arraycopy(b, value, joined, joinedLength, end - value);
            joinedLength += end - value;
          }
        }
        line = end + 1;
      }
      if (joined != null) {
        this.bytes = joined;
        this.from = 0;
        this.to = joinedLength;
      }
      return this;
    }

    public boolean isEmpty() {
      return to == from;
    }

    /** Whether the data is exactly {@code ascii} (an ASCII literal such as {@code [DONE]}). */
    public boolean is(String ascii) {
      if (to - from != ascii.length()) {
        return false;
      }
      for (int i = 0; i < ascii.length(); i++) {
        if (bytes[from + i] != ascii.charAt(i)) {
          return false;
        }
      }
      return true;
    }

    public byte[] bytes() {
      return bytes;
    }

    public int from() {
      return from;
    }

    public int to() {
      return to;
    }

    @Override
    public String toString() {
      return new String(bytes, from, to - from, StandardCharsets.UTF_8);
    }
  }
}
