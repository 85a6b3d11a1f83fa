package io.warden.core.inventory;

import io.warden.core.change.RepoSnapshot;

/**
 * Told after reconcile has applied a new {@code main}: policy sync pushes policies and data to OPA,
 * the trace store reloads {@code pricing.yaml}. A listener that throws marks the reconcile degraded
 * but does not stop the others.
 */
@FunctionalInterface
public interface MainBranchListener {
  void onMainChanged(RepoSnapshot main) throws Exception;
}
