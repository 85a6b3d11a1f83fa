package io.warden.core.inventory;

/** Whether an agent's runtime matches what {@code main} declares. */
public enum SyncStatus {
  /** Applied: the inventory and every executor hold the revision on main. */
  SYNCED,
  /** Main has a revision that has not been applied yet. */
  OUT_OF_SYNC,
  /** Applying failed; {@link AgentState#message()} says why. */
  DEGRADED
}
