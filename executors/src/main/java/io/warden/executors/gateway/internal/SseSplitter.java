package io.warden.executors.gateway.internal;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Cuts a server-sent-events byte stream into whole events (the text up to a blank line), as the
 * bytes arrive; nothing beyond the current event is held back.
 *
 * <p>Internal: not public API. Not thread-safe (one per stream, used on its event loop).
 */
public final class SseSplitter {
  private final Consumer<String> onEvent;

  public SseSplitter(Consumer<String> onEvent) {
    this.onEvent = onEvent;
  }

  /** Feeds bytes; calls back once per complete event (without the separating blank line). */
  public void feed(byte[] bytes) {
    // SSE is UTF-8 and events split on ASCII newlines, so a multi-byte character cut between chunks
    // is decoded whole once its event is complete: keep bytes until then.
    pendingBytes = concat(pendingBytes, bytes);
    int start = 0;
    for (int i = 0; i < pendingBytes.length; i++) {
      if (pendingBytes[i] != '\n') {
        continue;
      }
      int next = i + 1;
      boolean blank = next < pendingBytes.length && pendingBytes[next] == '\n';
      boolean blankCr = next + 1 < pendingBytes.length && pendingBytes[next] == '\r' && pendingBytes[next + 1] == '\n';
      if (blank || blankCr) {
        String event = new String(pendingBytes, start, i - start, StandardCharsets.UTF_8).replace("\r", "");
        start = next + (blank ? 1 : 2);
        i = start - 1;
        if (!event.isBlank()) {
          onEvent.accept(event);
        }
      }
    }
    if (start > 0) {
      byte[] rest = new byte[pendingBytes.length - start];
      System.arraycopy(pendingBytes, start, rest, 0, rest.length);
      pendingBytes = rest;
    }
  }

  /** Bytes of an event not yet complete. */
  public int pendingBytes() {
    return pendingBytes.length;
  }

  /** Calls back with what is left when the stream ends without a final blank line. */
  public void finish() {
    String rest = new String(pendingBytes, StandardCharsets.UTF_8).replace("\r", "").strip();
    pendingBytes = new byte[0];
    if (!rest.isEmpty()) {
      onEvent.accept(rest);
    }
  }

  private byte[] pendingBytes = new byte[0];

  private static byte[] concat(byte[] a, byte[] b) {
    if (a.length == 0) {
      return b;
    }
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
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
}
