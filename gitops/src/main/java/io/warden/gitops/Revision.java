package io.warden.gitops;

import java.time.Instant;
import java.util.Objects;

/**
 * One commit on {@code main} that changed a file.
 *
 * @param commit the commit id (hex)
 * @param author the author's name
 * @param time when the commit was made
 * @param message the full commit message, trailing newline removed
 */
public record Revision(String commit, String author, Instant time, String message) {
  public Revision {
    Objects.requireNonNull(commit, "commit");
    Objects.requireNonNull(author, "author");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(message, "message");
  }
}
