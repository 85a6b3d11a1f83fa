package io.warden.core.change;

import java.util.Objects;

/** One path touched by a change. */
public record FileChange(String path, Kind kind) {
  public FileChange {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(kind, "kind");
  }

  public enum Kind { ADDED, MODIFIED, DELETED }
}
