package io.warden.core.inventory;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The applied agent inventory. Readers see a consistent snapshot; the reconcile loop swaps whole
 * snapshots, so a reader never sees half of a merge. Thread-safe.
 */
public final class Inventory {

  private final AtomicReference<Snapshot> current =
      new AtomicReference<>(new Snapshot("", Map.of()));

  private Inventory() {}

  public static Inventory create() {
    return new Inventory();
  }

  public Optional<AgentState> get(String name) {
    return Optional.ofNullable(current.get().agents().get(name));
  }

  /** All agents, sorted by name. */
  public List<AgentState> list() {
    return List.copyOf(current.get().agents().values());
  }

  /** The main commit last applied ("" before the first reconcile). */
  public String appliedCommit() {
    return current.get().commit();
  }

  /** Replaces the whole inventory with the state applied from {@code commit}. */
  public void replace(String commit, Collection<AgentState> agents) {
    TreeMap<String, AgentState> byName = new TreeMap<>();
    for (AgentState agent : agents) {
      byName.put(agent.name(), agent);
    }
    current.set(new Snapshot(commit, java.util.Collections.unmodifiableSortedMap(byName)));
  }

  private record Snapshot(String commit, Map<String, AgentState> agents) {}
}
