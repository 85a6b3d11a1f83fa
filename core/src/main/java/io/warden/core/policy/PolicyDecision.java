package io.warden.core.policy;

import java.util.List;
import java.util.Objects;

/**
 * A policy verdict.
 *
 * @param outcome allow, deny, or hold for a human approval
 * @param reasons why (deny messages, approval reasons); empty for a plain allow
 * @param policyRevision the Git commit of the policies that decided, "" when none did
 */
public record PolicyDecision(Outcome outcome, List<String> reasons, String policyRevision) {
  public PolicyDecision {
    Objects.requireNonNull(outcome, "outcome");
    reasons = List.copyOf(reasons);
    Objects.requireNonNull(policyRevision, "policyRevision");
  }

  public enum Outcome { ALLOW, DENY, REQUIRE_APPROVAL }

  public static PolicyDecision allow(String policyRevision) {
    return new PolicyDecision(Outcome.ALLOW, List.of(), policyRevision);
  }

  public static PolicyDecision deny(String reason, String policyRevision) {
    return new PolicyDecision(Outcome.DENY, List.of(reason), policyRevision);
  }
}
