package io.warden.core.policy;

/**
 * Decides whether an agent may perform an action. Implementations must fail closed: when the
 * policy engine cannot answer, the decision is {@link PolicyDecision.Outcome#DENY} with the reason
 * "policy engine unavailable".
 */
public interface PolicyDecider {

  PolicyDecision decide(DecisionInput input);

  /** Denies everything; the safe default before a real decider is wired. */
  PolicyDecider DENY_ALL = input -> PolicyDecision.deny("no policy engine configured", "");
}
