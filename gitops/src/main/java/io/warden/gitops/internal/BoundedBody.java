package io.warden.gitops.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * A git request body read as a stream: gunzipped while it is read when the client sent it gzip, and
 * cut off once more than a limit of (inflated) bytes has been read. Nothing is buffered beyond the
 * few KiB the inflater needs, so a gzip bomb costs at most {@code limit} bytes of inflating and no
 * heap; a push over the limit is refused as soon as its first {@code limit + 1} bytes arrived.
 *
 * <p>Internal: unstable API, not for use outside this module.
 */
public final class BoundedBody extends FilterInputStream {

  /** Thrown by a read past the limit; its message names the limit and the setting that raises it. */
  public static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    TooLargeException(String message) {
      super(message);
    }
  }

  private final long limit;
  private final String setting;
  private long read;
  private boolean exceeded;

  private BoundedBody(InputStream in, long limit, String setting) {
    super(in);
    this.limit = limit;
    this.setting = setting;
  }

  /**
   * Wraps {@code raw} (as it came off the wire) so that reads return the body {@code contentEncoding}
   * describes ({@code gzip}, or none / {@code identity}), and fail with {@link TooLargeException}
   * past {@code limit} bytes.
   *
   * @throws IllegalArgumentException for another content encoding (the caller answers 415 or 400)
   */
  public static BoundedBody of(InputStream raw, String contentEncoding, long limit, String setting) throws IOException {
    if (limit < 1) {
      throw new IllegalArgumentException(setting + " must be at least 1 byte, was " + limit);
    }
    String encoding = contentEncoding == null ? "" : contentEncoding.strip().toLowerCase(Locale.ROOT);
    InputStream in = switch (encoding) {
      case "", "identity" -> raw;
      case "gzip", "x-gzip" -> new GZIPInputStream(raw, 8192);
      default -> throw new IllegalArgumentException("unsupported content encoding '" + contentEncoding
          + "': send the git request uncompressed or gzip");
    };
    return new BoundedBody(in, limit, setting);
  }

  /** Whether a read went past the limit (the request was refused). */
  public boolean exceeded() {
    return exceeded;
  }

  /** Bytes handed out so far (after gunzip). */
  public long bytesRead() {
    return read;
  }

  /** The sentence a refusal shows: how large, which limit, which setting. */
  public static String refusal(long limit, String setting) {
    return "git request refused: its body is over the limit of " + limit + " bytes (" + humanBytes(limit)
        + "); nothing was written. Push fewer or smaller files, or ask an admin to raise " + setting
        + " in warden.yaml";
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (exceeded) {
      throw tooLarge();
    }
    if (len == 0) {
      return 0;
    }
    // Ask for at most one byte past the limit: enough to know the body is too large.
    long allowed = limit - read + 1;
    int n = super.read(b, off, (int) Math.min(len, allowed));
    if (n > 0) {
      read += n;
      if (read > limit) {
        exceeded = true;
        throw tooLarge();
      }
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buffer = new byte[(int) Math.min(8192, Math.max(n, 1))];
    long skipped = 0;
    while (skipped < n) {
      int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private TooLargeException tooLarge() {
    return new TooLargeException(refusal(limit, setting));
  }

  private static String humanBytes(long bytes) {
    if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
      return (bytes >> 20) + " MiB";
    }
    if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) {
      return (bytes >> 10) + " KiB";
    }
    return bytes + " B";
  }
}
