package io.warden.executors.gateway.internal;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A refusal the gateway answers in the caller's wire format.
 *
 * <p>Internal: not public API.
 */
public final class GatewayError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  final String code;
  final transient @Nullable Duration retryAfter;

  public GatewayError(int status, String code, String message) {
    this(status, code, message, null);
  }

  public GatewayError(int status, String code, String message, @Nullable Duration retryAfter) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }
}
