package io.warden.core;

import java.util.List;
import java.util.Objects;

/**
 * A refusal a person should see: the operation did nothing, and {@link #code()} says why in a stable
 * snake_case word that the HTTP API maps to a status ({@code invalid_input} 400, {@code unauthorized}
 * 401, {@code forbidden} 403, {@code not_found} 404, {@code conflict} 409, {@code too_large} 413,
 * {@code unavailable} 503).
 */
public class WardenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;
  private final List<Problem> problems;

  public WardenException(String code, String message) {
    this(code, message, List.of());
  }

  public WardenException(String code, String message, List<Problem> problems) {
    super(message);
    this.code = Objects.requireNonNull(code, "code");
    this.problems = List.copyOf(problems);
  }

  public String code() {
    return code;
  }

  public List<Problem> problems() {
    return problems;
  }

  public static WardenException invalid(String message) {
    return new WardenException("invalid_input", message);
  }

  public static WardenException notFound(String message) {
    return new WardenException("not_found", message);
  }

  public static WardenException conflict(String message) {
    return new WardenException("conflict", message);
  }

  public static WardenException forbidden(String message) {
    return new WardenException("forbidden", message);
  }
}
