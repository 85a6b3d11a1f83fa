package io.warden.gitops;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one reconcile did.
 *
 * @param commit the {@code main} commit applied
 * @param added agents new in the inventory
 * @param changed agents whose descriptor or revision changed (or that were retried after a failure)
 * @param removed agents no longer on {@code main}
 * @param degraded agent name to why it is degraded
 * @param skipped descriptor files on {@code main} that do not parse, with the first problem
 * @param listenerFailures main-branch listeners that threw, with the message
 */
public record ReconcileReport(
    String commit, List<String> added, List<String> changed, List<String> removed,
    Map<String, String> degraded, Map<String, String> skipped, List<String> listenerFailures) {
  public ReconcileReport {
    Objects.requireNonNull(commit, "commit");
    added = List.copyOf(added);
    changed = List.copyOf(changed);
    removed = List.copyOf(removed);
    degraded = Map.copyOf(degraded);
    skipped = Map.copyOf(skipped);
    listenerFailures = List.copyOf(listenerFailures);
  }

  /** True when nothing needed applying. */
  public boolean noop() {
    return added.isEmpty() && changed.isEmpty() && removed.isEmpty() && listenerFailures.isEmpty();
  }
}
