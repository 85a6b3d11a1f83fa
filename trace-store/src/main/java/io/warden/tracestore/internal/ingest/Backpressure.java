package io.warden.tracestore.internal.ingest;

/**
 * Ingest is over one of its bounds (queued requests, queued bytes, write-ahead log backlog); the
 * receivers answer 429 / RESOURCE_EXHAUSTED with a retry delay instead of queueing without bound.
 *
 * <p>Internal: not public API.
 */
public final class Backpressure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int retryAfterSeconds;

  public Backpressure(String message, int retryAfterSeconds) {
    super(message, null, false, false);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
