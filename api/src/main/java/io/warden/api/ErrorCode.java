package io.warden.api;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The stable error codes of the API ({@code code} in {@code {code, message, errors[]}}) and the
 * HTTP status of each. {@link io.warden.core.WardenException} carries the code as a string; the API
 * maps it through {@link #fromWire(String)}, and a test checks that every code thrown in the
 * project is one of these.
 */
public enum ErrorCode {
  INVALID_INPUT(400),
  UNAUTHORIZED(401),
  FORBIDDEN(403),
  NOT_FOUND(404),
  CONFLICT(409),
  TOO_LARGE(413),
  TOO_MANY_REQUESTS(429),
  BUDGET_EXCEEDED(429),
  INTERNAL_ERROR(500),
  /** An agent's runtime failed a request (the session router). */
  EXECUTOR_FAILED(502),
  UNAVAILABLE(503),
  /** An agent's runtime did not answer in time (the session router). */
  EXECUTOR_TIMEOUT(504);

  private static final Map<String, ErrorCode> BY_WIRE =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(ErrorCode::wire, Function.identity()));

  private final int status;
  private final String wire;

  ErrorCode(int status) {
    this.status = status;
    this.wire = name().toLowerCase(Locale.ROOT);
  }

  /** The HTTP status answered with this code. */
  public int status() {
    return status;
  }

  /** The code as sent in JSON bodies: {@code invalid_input}, {@code not_found}, ... */
  public String wire() {
    return wire;
  }

  /** The code for a wire string, or empty when it is not a stable code. */
  public static Optional<ErrorCode> fromWire(String wire) {
    return Optional.ofNullable(wire == null ? null : BY_WIRE.get(wire));
  }
}
