package io.warden.api;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * A request body as a blocking {@link InputStream} for a worker thread, fed by the event loop with
 * back-pressure: the request is paused while more than {@value #HIGH_WATER} bytes wait unread, so a
 * slow reader (or one that stopped because the body is too large) never makes the body pile up in
 * memory. After the response, {@link #discardRest(long)} reads and drops what the client still sends
 * (so it can read the answer) up to a cap, then closes the connection.
 */
final class RequestBodyStream extends InputStream {
  static final int HIGH_WATER = 1 << 20;

  private final HttpServerRequest request;
  private final Context context;
  private final ArrayDeque<Buffer> chunks = new ArrayDeque<>();
  private int queued;
  private int position;
  private boolean ended;
  private boolean paused;
  private Throwable failure;
  private long discarded;

  private RequestBodyStream(HttpServerRequest request, Context context) {
    this.request = request;
    this.context = context;
  }

  /** Starts taking {@code request}'s body; call on its event loop. */
  static RequestBodyStream of(HttpServerRequest request, Context context) {
    RequestBodyStream body = new RequestBodyStream(request, context);
    request.handler(body::onChunk);
    request.endHandler(v -> body.onEnd());
    request.exceptionHandler(body::onFailure);
    request.resume();
    return body;
  }

  private synchronized void onChunk(Buffer chunk) {
    if (chunk.length() == 0) {
      return;
    }
    chunks.add(chunk);
    queued += chunk.length();
    if (queued > HIGH_WATER && !paused) {
      paused = true;
      request.pause();
    }
    notifyAll();
  }

  private synchronized void onEnd() {
    ended = true;
    notifyAll();
  }

  private synchronized void onFailure(Throwable t) {
    failure = t;
    notifyAll();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public synchronized int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (chunks.isEmpty()) {
      if (failure != null) {
        throw new IOException("request body could not be read: " + failure.getMessage(), failure);
      }
      if (ended) {
        return -1;
      }
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading the request body");
      }
    }
    Buffer head = chunks.peek();
    int n = Math.min(len, head.length() - position);
    head.getBytes(position, position + n, b, off);
    position += n;
    queued -= n;
    if (position == head.length()) {
      chunks.poll();
      position = 0;
    }
    if (paused && queued <= HIGH_WATER / 2) {
      paused = false;
      context.runOnContext(v -> request.resume());
    }
    return n;
  }

  /**
   * The response is out: drops the rest of the body as it arrives (no buffering), so a client still
   * sending can read the answer; past {@code cap} more bytes the connection is closed. Call on the
   * request's event loop.
   */
  synchronized void discardRest(long cap) {
    if (ended || failure != null) {
      return;
    }
    discarded = 0;
    chunks.clear();
    queued = 0;
    request.handler(chunk -> {
      boolean over;
      synchronized (this) {
        discarded += chunk.length();
        over = discarded > cap;
      }
      if (over) {
        request.connection().close();
      }
    });
    paused = false;
    request.resume();
  }
}
