package io.warden.core.executor;

import java.util.Objects;

/** The runtime's opaque state for a parked session; Warden stores it and never reads it. */
public record SessionCheckpoint(byte[] state) {

  public static final SessionCheckpoint EMPTY = new SessionCheckpoint(new byte[0]);

  public SessionCheckpoint {
    Objects.requireNonNull(state, "state");
  }
}
