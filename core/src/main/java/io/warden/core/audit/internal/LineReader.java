package io.warden.core.audit.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * Reads {@code \n}-terminated lines from a region of a file with positional reads, so several
 * readers can share one channel with a writer. Internal: not public API.
 */
public final class LineReader {
  private static final int CHUNK = 64 * 1024;

  private LineReader() {}

  /** Receives each line; return false to stop. */
  @FunctionalInterface
  public interface Visitor {
    /**
     * @param offset byte offset of the line's first byte
     * @param line the line's bytes without the {@code \n}
     * @param terminated false only for a last line that has no {@code \n} (a torn write)
     */
    boolean visit(long offset, byte[] line, boolean terminated) throws IOException;
  }

  /** Visits the lines that start in {@code [from, to)}; {@code from} must be a line start. */
  public static void forEachLine(FileChannel channel, long from, long to, Visitor visitor) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
    byte[] pending = new byte[256];
    int pendingLength = 0;
    long lineStart = from;
    long position = from;
    while (position < to) {
      buffer.clear();
      buffer.limit((int) Math.min(CHUNK, to - position));
      int read = channel.read(buffer, position);
      if (read <= 0) {
        break; // the file is shorter than expected: treat what we have as the end
      }
      byte[] bytes = buffer.array();
      int start = 0;
      for (int i = 0; i < read; i++) {
        if (bytes[i] == '\n') {
          byte[] line;
          if (pendingLength == 0) {
            line = Arrays.copyOfRange(bytes, start, i);
          } else {
            line = Arrays.copyOf(pending, pendingLength + i - start);
            System.arraycopy(bytes, start, line, pendingLength, i - start);
            pendingLength = 0;
          }
          if (!visitor.visit(lineStart, line, true)) {
            return;
          }
          lineStart = position + i + 1;
          start = i + 1;
        }
      }
      int rest = read - start;
      if (rest > 0) {
        if (pendingLength + rest > pending.length) {
          pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + rest));
        }
        System.arraycopy(bytes, start, pending, pendingLength, rest);
        pendingLength += rest;
      }
      position += read;
    }
    if (pendingLength > 0) {
      visitor.visit(lineStart, Arrays.copyOf(pending, pendingLength), false);
    }
  }
}
