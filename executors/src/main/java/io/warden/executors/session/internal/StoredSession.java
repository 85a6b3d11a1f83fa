package io.warden.executors.session.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.warden.core.session.SessionInfo;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A session as stored (table {@code sessions}, JSON); times are epoch milliseconds. The checkpoint
 * is apart (table {@code session_checkpoints}) so listing never reads it.
 *
 * <p>Internal: not public API.
 */
record StoredSession(
    @JsonProperty("id") String id,
    @JsonProperty("agent") String agent,
    @JsonProperty("tenant") String tenant,
    @JsonProperty("state") String state,
    @JsonProperty("waiting_for") String waitingFor,
    @JsonProperty("message") String message,
    @JsonProperty("memory") String memory,
    @JsonProperty("invocations") long invocations,
    @JsonProperty("checkpoint_bytes") long checkpointBytes,
    @JsonProperty("created_at") long createdAt,
    @JsonProperty("updated_at") long updatedAt,
    @JsonProperty("expires_at") @Nullable Long expiresAt) {

  SessionInfo.State stateEnum() {
    return SessionInfo.State.valueOf(state.toUpperCase(java.util.Locale.ROOT));
  }

  StoredSession with(SessionInfo.State newState, String newWaitingFor, String newMessage, long newCheckpointBytes,
      long now, @Nullable Long newExpiresAt) {
    return new StoredSession(id, agent, tenant, newState.wireName(), newWaitingFor, newMessage, memory, invocations,
        newCheckpointBytes, createdAt, now, newExpiresAt);
  }

  StoredSession invoked(SessionInfo.State newState, String newMessage, String newMemory, long now,
      @Nullable Long newExpiresAt) {
    return new StoredSession(id, agent, tenant, newState.wireName(), waitingFor, newMessage, newMemory,
        invocations + 1, checkpointBytes, createdAt, now, newExpiresAt);
  }

  SessionInfo info() {
    return new SessionInfo(id, agent, tenant, stateEnum(), waitingFor, message, memory, invocations, checkpointBytes,
        Instant.ofEpochMilli(createdAt), Instant.ofEpochMilli(updatedAt),
        expiresAt == null ? null : Instant.ofEpochMilli(expiresAt));
  }
}
