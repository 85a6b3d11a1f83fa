package io.warden.core.policy;

import java.util.List;
import java.util.Objects;

/**
 * A policy verdict.
 *
 * @param outcome allow, deny, or hold for a human approval
 * @param reasons why (deny messages, approval reasons); empty for a plain allow
 * @param policyRevision the Git commit of the policies that decided, "" when none did
 * @param approverTeam the team whose approver must decide the call if it is held (by policy, or by
 *     the gateway), or "" when any user with the approver role may; always "" on a deny
 */
public record PolicyDecision(Outcome outcome, List<String> reasons, String policyRevision, String approverTeam) {
  public PolicyDecision {
    Objects.requireNonNull(outcome, "outcome");
    reasons = List.copyOf(reasons);
    Objects.requireNonNull(policyRevision, "policyRevision");
    Objects.requireNonNull(approverTeam, "approverTeam");
  }

  /** A decision that names no approver team: any approver may decide a held call. */
  public PolicyDecision(Outcome outcome, List<String> reasons, String policyRevision) {
    this(outcome, reasons, policyRevision, "");
  }

  public enum Outcome { ALLOW, DENY, REQUIRE_APPROVAL }

  public static PolicyDecision allow(String policyRevision) {
    return new PolicyDecision(Outcome.ALLOW, List.of(), policyRevision);
  }

  public static PolicyDecision deny(String reason, String policyRevision) {
    return new PolicyDecision(Outcome.DENY, List.of(reason), policyRevision);
  }
}
