package io.warden.core.shadow;

/**
 * The model-shadow evidence, as other modules read it: policy admission asks it before a change of
 * an agent's {@code spec.model} to a candidate. {@link ModelShadowLedger} implements it;
 * {@link #NONE} reports no evidence at all.
 */
@FunctionalInterface
public interface ModelShadowEvidence {
  /** No evidence for any agent or candidate. */
  ModelShadowEvidence NONE = ModelShadowReport::empty;

  /** How {@code candidate} ({@code provider/name@revision}) compared beside {@code agent}'s pinned model. */
  ModelShadowReport report(String agent, String candidate);
}
