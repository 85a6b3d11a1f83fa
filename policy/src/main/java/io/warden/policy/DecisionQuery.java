package io.warden.policy;

import io.warden.core.policy.PolicyDecision;
import java.time.Instant;

/**
 * A filter over the decision log; newest decisions come first.
 *
 * @param agent only this agent's decisions, or null for all
 * @param result only this outcome, or null for all
 * @param from inclusive lower bound on the decision time, or null
 * @param to exclusive upper bound on the decision time, or null
 * @param limit at most this many, 1 to {@value #MAX_LIMIT}
 */
public record DecisionQuery(String agent, PolicyDecision.Outcome result, Instant from, Instant to, int limit) {

  /** Limit when none is given: {@value}. */
  public static final int DEFAULT_LIMIT = 100;

  /** Largest limit accepted: {@value}. */
  public static final int MAX_LIMIT = 1000;

  public DecisionQuery {
    if (agent != null && agent.isBlank()) {
      agent = null;
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
    }
    if (from != null && to != null && !from.isBefore(to)) {
      throw new IllegalArgumentException("from must be before to, got from=" + from + " to=" + to);
    }
  }

  /** The newest {@value #DEFAULT_LIMIT} decisions of every agent. */
  public static DecisionQuery latest() {
    return new DecisionQuery(null, null, null, null, DEFAULT_LIMIT);
  }

  public DecisionQuery withAgent(String value) {
    return new DecisionQuery(value, result, from, to, limit);
  }

  public DecisionQuery withResult(PolicyDecision.Outcome value) {
    return new DecisionQuery(agent, value, from, to, limit);
  }

  public DecisionQuery withRange(Instant fromInclusive, Instant toExclusive) {
    return new DecisionQuery(agent, result, fromInclusive, toExclusive, limit);
  }

  public DecisionQuery withLimit(int value) {
    return new DecisionQuery(agent, result, from, to, value);
  }
}
