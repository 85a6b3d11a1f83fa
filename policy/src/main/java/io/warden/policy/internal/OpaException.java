package io.warden.policy.internal;

import java.util.List;

/**
 * A call to OPA that did not succeed. {@link Unavailable}: OPA could not be reached or did not answer
 * in time (counts against the circuit breaker). {@link Rejected}: OPA answered with an error of its
 * own (bad policy, bad input, evaluation error) and is healthy.
 *
 * <p>Internal: not public API.
 */
public abstract sealed class OpaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  OpaException(String message, Throwable cause) {
    super(message, cause);
  }

  /** OPA unreachable, too slow, or answering with something that is not OPA's. */
  public static final class Unavailable extends OpaException {
    private static final long serialVersionUID = 1L;

    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * OPA's own error answer: {@code {code, message, errors[]}}.
   *
   * @see OpaError
   */
  public static final class Rejected extends OpaException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;
    private final transient List<OpaError> errors;

    public Rejected(int status, String code, String message, List<OpaError> errors) {
      super(message, null);
      this.status = status;
      this.code = code;
      this.errors = List.copyOf(errors);
    }

    public int status() {
      return status;
    }

    public String code() {
      return code;
    }

    public List<OpaError> errors() {
      return errors;
    }

    /** {@code code: message}, then each detailed error on its own line as {@code file:row: code: message}. */
    public String describe() {
      StringBuilder sb = new StringBuilder(code).append(": ").append(getMessage());
      for (OpaError e : errors) {
        sb.append("\n  ").append(e);
      }
      return sb.toString();
    }
  }

  /** One located error in OPA's answer or CLI output; {@code row}/{@code col} are 0 when unknown. */
  public record OpaError(String code, String message, String file, int row, int col) {
    @Override
    public String toString() {
      return (file.isEmpty() ? "" : file + (row > 0 ? ":" + row : "") + ": ") + code + ": " + message;
    }
  }
}
