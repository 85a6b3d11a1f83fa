package io.warden.core.shadow;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * How well a candidate model agreed with an agent's pinned model over the shadow pairs recorded.
 *
 * @param agent the agent
 * @param candidate the candidate, {@code provider/name@revision}
 * @param samples compared pairs
 * @param agreements pairs that agreed
 * @param agreementLow lower bound of the 95% Wilson score interval of the agreement rate (0 without samples)
 * @param agreementHigh upper bound of that interval (0 without samples)
 * @param meanLatencyDeltaMs mean of candidate minus primary latency, in ms (positive: the candidate is slower)
 * @param costDeltaUsd sum of candidate minus primary cost over the pairs (positive: the candidate costs more)
 * @param examples the latest disagreements, newest first (at most {@value #MAX_EXAMPLES})
 */
public record ModelShadowReport(
    String agent, String candidate, int samples, int agreements, double agreementLow, double agreementHigh,
    double meanLatencyDeltaMs, BigDecimal costDeltaUsd, List<ModelShadowRun> examples) {
  /** Most disagreements a report carries as examples: {@value}. */
  public static final int MAX_EXAMPLES = 5;

  public ModelShadowReport {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(candidate, "candidate");
    Objects.requireNonNull(costDeltaUsd, "costDeltaUsd");
    examples = List.copyOf(examples);
  }

  /** No pairs for this candidate. */
  public static ModelShadowReport empty(String agent, String candidate) {
    return new ModelShadowReport(agent, candidate, 0, 0, 0, 0, 0, BigDecimal.ZERO, List.of());
  }

  /** Agreements over samples, from 0 to 1; 0 without samples (no evidence is not agreement). */
  public double agreementRate() {
    return samples == 0 ? 0 : (double) agreements / samples;
  }
}
