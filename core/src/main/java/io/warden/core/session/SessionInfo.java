package io.warden.core.session;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A session as Warden keeps it.
 *
 * @param id the session id
 * @param agent the agent it belongs to
 * @param tenant its tenant, or ""
 * @param state where it is
 * @param waitingFor what a parked session waits for ({@link SessionWait#wire()}), or ""
 * @param message why it is degraded, or ""
 * @param memory the agent's {@code spec.memory.type} when the session was last touched
 * @param invocations requests run in it
 * @param checkpointBytes size of the runtime's checkpoint held for it (0 unless parked)
 * @param createdAt first request
 * @param updatedAt last change
 * @param expiresAt when its state is purged ({@code persistent} memory), or null
 */
public record SessionInfo(
    String id, String agent, String tenant, State state, String waitingFor, String message, String memory,
    long invocations, long checkpointBytes, Instant createdAt, Instant updatedAt, @Nullable Instant expiresAt) {

  public enum State {
    /** Taking requests. */
    ACTIVE,
    /** Asked to park; parks once its requests in flight are done, refusing new ones meanwhile. */
    PARKING,
    /** Parked: its state is on disk, nothing of it in memory. */
    PARKED,
    /** Its last request failed (timeout, crash); it still takes requests. */
    DEGRADED,
    /** Ended; kept only for {@code persistent} memory until it expires. */
    ENDED;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public SessionInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(waitingFor, "waitingFor");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(memory, "memory");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }
}
