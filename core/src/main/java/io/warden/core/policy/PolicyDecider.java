package io.warden.core.policy;

import org.jspecify.annotations.Nullable;

/**
 * Decides whether an agent may perform an action. Implementations must fail closed: when the
 * policy engine cannot answer, the decision is {@link PolicyDecision.Outcome#DENY} with the reason
 * "policy engine unavailable".
 */
public interface PolicyDecider {

  PolicyDecision decide(DecisionInput input);

  /**
   * The decision {@link #decide} would give, when it is known without waiting for anything (no
   * call to the engine, no blocking write): a cached decision, for instance. Null otherwise; then
   * call {@link #decide} off the event loop. Used by the gateways to admit a call on the thread that
   * received it. A decision returned here counts as given (it is logged like one from decide).
   */
  default @Nullable PolicyDecision decideWithoutWaiting(DecisionInput input) {
    return null;
  }

  /** Denies everything; the safe default before a real decider is wired. */
  PolicyDecider DENY_ALL = input -> PolicyDecision.deny("no policy engine configured", "");
}
