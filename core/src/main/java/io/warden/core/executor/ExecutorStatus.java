package io.warden.core.executor;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An agent's runtime as its executor sees it.
 *
 * @param revision the descriptor revision the runtime confirmed, or null when none yet
 * @param message why it is not READY, or empty
 */
public record ExecutorStatus(String agent, State state, @Nullable String revision, String message) {

  public enum State {
    /** Applied, not yet healthy. */
    STARTING,
    /** Healthy and running {@link #revision()}. */
    READY,
    /** Failing; {@link #message()} says how. */
    DEGRADED,
    /** Not running (removed, or never applied). */
    STOPPED
  }

  public ExecutorStatus {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(message, "message");
  }
}
