package io.warden.executors.internal;

import java.time.Duration;
import java.util.Objects;

/** Argument checks the executors' builders share, so their errors read the same. */
public final class BuilderChecks {

  private BuilderChecks() {}

  /** {@code d}, refused unless it is longer than zero; {@code what} names it in the error. */
  public static Duration positive(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }
}
