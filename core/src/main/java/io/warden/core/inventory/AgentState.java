package io.warden.core.inventory;

import io.warden.core.descriptor.AgentDescriptor;
import java.time.Instant;
import java.util.Objects;

/**
 * One agent in the inventory.
 *
 * @param descriptor the descriptor as applied
 * @param revision the main commit that last changed this agent's file
 * @param status sync status
 * @param message why it is degraded or out of sync, "" otherwise
 * @param updatedAt when the status last changed
 */
public record AgentState(
    AgentDescriptor descriptor, String revision, SyncStatus status, String message, Instant updatedAt) {
  public AgentState {
    Objects.requireNonNull(descriptor, "descriptor");
    Objects.requireNonNull(revision, "revision");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }

  public String name() {
    return descriptor.name();
  }
}
