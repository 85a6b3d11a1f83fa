package io.warden.core;

import java.util.Objects;

/**
 * One thing wrong with user input, located precisely enough for a person to fix it.
 *
 * @param file    repository-relative path (or the name given on the command line); never null
 * @param line    1-based line, or 0 when the problem is about the file as a whole
 * @param column  1-based column, or 0 when unknown
 * @param field   the dotted field path ({@code spec.budgets.usd_per_day}), or "" for none
 * @param message what was wrong and what was expected, lowercase, no trailing period
 */
public record Problem(String file, int line, int column, String field, String message) {
  public Problem {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(message, "message");
    if (line < 0 || column < 0) {
      throw new IllegalArgumentException("line and column must not be negative: " + line + ":" + column);
    }
  }

  public static Problem ofFile(String file, String message) {
    return new Problem(file, 0, 0, "", message);
  }

  /** {@code file:line:col: field: message}, the format compilers use, so editors can jump to it. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(file);
    if (line > 0) {
      sb.append(':').append(line);
      if (column > 0) {
        sb.append(':').append(column);
      }
    }
    sb.append(": ");
    if (!field.isEmpty()) {
      sb.append(field).append(": ");
    }
    return sb.append(message).toString();
  }
}
