package io.warden.core.yaml;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a value sits in a descriptor, as a list of mapping keys ({@link String}) and list indexes
 * ({@link Integer}). Rendered for people as a dotted path: {@code spec.budgets.usd_per_day},
 * {@code spec.tools[2]}, {@code metadata.labels["app.kubernetes.io/name"]}.
 */
public record FieldPath(List<Object> segments) {

  public static final FieldPath ROOT = new FieldPath(List.of());

  private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]+");

  public FieldPath {
    segments = List.copyOf(segments);
    for (Object s : segments) {
      if (!(s instanceof String) && !(s instanceof Integer)) {
        throw new IllegalArgumentException("segment must be a String key or an Integer index: " + s);
      }
    }
  }

  /** Builds a path from keys and indexes, in order. */
  public static FieldPath of(Object... segments) {
    return new FieldPath(List.of(segments));
  }

  public FieldPath child(String key) {
    return append(Objects.requireNonNull(key, "key"));
  }

  public FieldPath child(int index) {
    return append(index);
  }

  private FieldPath append(Object segment) {
    List<Object> next = new ArrayList<>(segments.size() + 1);
    next.addAll(segments);
    next.add(segment);
    return new FieldPath(next);
  }

  public boolean isRoot() {
    return segments.isEmpty();
  }

  /** The enclosing path; the root's parent is the root. */
  public FieldPath parent() {
    return isRoot() ? this : new FieldPath(segments.subList(0, segments.size() - 1));
  }

  /** True when this path is {@code prefix} or lies inside it. */
  public boolean startsWith(FieldPath prefix) {
    return segments.size() >= prefix.segments.size()
        && segments.subList(0, prefix.segments.size()).equals(prefix.segments);
  }

  /** The dotted form people read; "" for the root. */
  public String dotted() {
    StringBuilder sb = new StringBuilder();
    for (Object s : segments) {
      if (s instanceof Integer i) {
        sb.append('[').append(i).append(']');
      } else if (PLAIN_KEY.matcher((String) s).matches()) {
        if (!sb.isEmpty()) {
          sb.append('.');
        }
        sb.append(s);
      } else {
        sb.append("[\"").append(((String) s).replace("\\", "\\\\").replace("\"", "\\\"")).append("\"]");
      }
    }
    return sb.toString();
  }

  /**
   * Keys as they are joined by {@code .}, indexes as {@code [i]}: the plain form that callers
   * building paths from key names use ({@code models.gpt-4.1}); not unique when keys hold dots.
   */
  public String joined() {
    StringBuilder sb = new StringBuilder();
    for (Object s : segments) {
      if (s instanceof Integer i) {
        sb.append('[').append(i).append(']');
      } else {
        if (!sb.isEmpty()) {
          sb.append('.');
        }
        sb.append(s);
      }
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return dotted();
  }
}
