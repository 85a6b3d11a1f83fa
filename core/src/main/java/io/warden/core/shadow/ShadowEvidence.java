package io.warden.core.shadow;

/**
 * The shadow-mode evidence for an agent, as other modules read it (policy admission asks it before
 * a change of {@code spec.autonomy} away from {@code shadow}). {@link ShadowLedger} implements it;
 * {@link #NONE} reports no evidence at all.
 */
@FunctionalInterface
public interface ShadowEvidence {
  /** No evidence for any agent. */
  ShadowEvidence NONE = agent -> new ShadowReport(agent, 0, 0, 0, 0, java.util.List.of());

  /** The agreement report for {@code agent} (empty when it never ran in shadow mode). */
  ShadowReport report(String agent);
}
