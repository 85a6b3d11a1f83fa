package io.warden.policy;

import io.warden.core.policy.PolicyDecision;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One runtime decision as the decision log keeps it.
 *
 * @param seq position in the log (increasing; unique per data directory)
 * @param time when the decision was made (engine clock)
 * @param agent the agent that asked
 * @param action {@code model.call} or {@code tool.call}
 * @param resource the model or tool
 * @param result the outcome
 * @param reasons why, as the policy (or the engine, when it failed closed) said
 * @param policyRevision the main commit whose policies decided, "" when none did
 * @param inputDigest hex SHA-256 of the normalised input sent to OPA
 * @param latencyMicros time spent inside the engine, cache lookup and OPA call included
 * @param cached true when the answer came from the decision cache
 */
public record DecisionRecord(
    long seq, Instant time, String agent, String action, String resource,
    PolicyDecision.Outcome result, List<String> reasons, String policyRevision, String inputDigest,
    long latencyMicros, boolean cached) {
  public DecisionRecord {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(result, "result");
    reasons = List.copyOf(reasons);
    Objects.requireNonNull(policyRevision, "policyRevision");
    Objects.requireNonNull(inputDigest, "inputDigest");
  }
}
