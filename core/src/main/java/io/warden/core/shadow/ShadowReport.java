package io.warden.core.shadow;

import java.util.List;
import java.util.Objects;

/**
 * How well an agent in shadow mode agrees with the humans doing its job.
 *
 * @param agent the agent
 * @param captured side-effecting calls the agent made (captured, not executed)
 * @param humanActions actions humans reported
 * @param pairs correlation keys with both an agent and a human action
 * @param agreements pairs where both did the same: same tool, same arguments (numbers within
 *     {@link ShadowLedger#DEFAULT_TOLERANCE} by default)
 * @param disagreements every pair that did not agree, with what differed
 */
public record ShadowReport(
    String agent, int captured, int humanActions, int pairs, int agreements, List<Disagreement> disagreements) {
  public ShadowReport {
    Objects.requireNonNull(agent, "agent");
    disagreements = List.copyOf(disagreements);
  }

  /** Agreements over pairs, from 0 to 1; 0 when there are no pairs (no evidence is not agreement). */
  public double agreementRate() {
    return pairs == 0 ? 0 : (double) agreements / pairs;
  }

  /**
   * One pair that disagreed.
   *
   * @param correlationKey the case
   * @param agent what the agent would have done
   * @param human what the human did
   * @param differences what differed: the tool, or each argument by JSON pointer
   */
  public record Disagreement(String correlationKey, ShadowAction agent, ShadowAction human, List<String> differences) {
    public Disagreement {
      differences = List.copyOf(differences);
    }
  }
}
