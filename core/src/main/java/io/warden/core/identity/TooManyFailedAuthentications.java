package io.warden.core.identity;

import io.warden.core.WardenException;
import java.time.Duration;
import java.util.Objects;

/**
 * A failed authentication from a source that is over its failure budget ({@link
 * FailedAuthentications}): answered 429 ({@code too_many_requests}) with {@code Retry-After}, or
 * RESOURCE_EXHAUSTED on gRPC, instead of 401. Only ever thrown for a credential that is not valid.
 */
public final class TooManyFailedAuthentications extends WardenException {
  private static final long serialVersionUID = 1L;

  private final transient Duration retryAfter;

  public TooManyFailedAuthentications(String message, Duration retryAfter) {
    super("too_many_requests", message);
    this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
  }

  /** When the source's window ends. */
  public Duration retryAfter() {
    return retryAfter;
  }

  /** {@link #retryAfter()} in whole seconds, at least 1. */
  public long retryAfterSeconds() {
    return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
  }
}
