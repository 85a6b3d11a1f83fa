package io.warden.core.session;

import io.warden.core.WardenException;

/**
 * An agent's queue is full: the caller should retry after {@link #retryAfterSeconds()}, estimated
 * from how fast the queue has been draining. The HTTP API answers 429 with {@code Retry-After}.
 */
public final class RouterBusyException extends WardenException {
  private static final long serialVersionUID = 1L;

  private final long retryAfterSeconds;

  public RouterBusyException(String message, long retryAfterSeconds) {
    super("too_many_requests", message);
    this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
