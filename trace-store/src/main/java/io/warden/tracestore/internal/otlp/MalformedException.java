package io.warden.tracestore.internal.otlp;

/**
 * The request body cannot be decoded (bad protobuf, JSON, gzip); answered with 400 /
 * INVALID_ARGUMENT and this message.
 *
 * <p>Internal: not public API.
 */
public final class MalformedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MalformedException(String message) {
    super(message, null, false, false);
  }
}
