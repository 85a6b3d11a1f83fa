package io.warden.core.shadow;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One shadow pair of the model gateway: a live call answered by the agent's pinned model and the
 * same request mirrored to the {@code spec.shadow.candidate}, compared.
 *
 * @param id unique id ({@code msr_...})
 * @param agent the agent whose call was mirrored
 * @param primary the model that answered the caller, {@code provider/name@revision}
 * @param candidate the candidate model, {@code provider/name@revision}
 * @param at when the pair was compared
 * @param agreed whether the candidate's answer agreed with the primary's (see {@code differences})
 * @param differences what differed (empty when agreed): text, tool calls, JSON fields, or an error
 *     of the candidate
 * @param primaryLatencyMs how long the primary call took
 * @param candidateLatencyMs how long the candidate call took
 * @param primaryUsd what the primary call cost
 * @param candidateUsd what the candidate call cost (Warden's cost, never charged to the agent's budget)
 * @param traceId the trace of the live call
 */
public record ModelShadowRun(
    String id, String agent, String primary, String candidate, Instant at, boolean agreed, List<String> differences,
    long primaryLatencyMs, long candidateLatencyMs, BigDecimal primaryUsd, BigDecimal candidateUsd, String traceId) {
  public ModelShadowRun {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(primary, "primary");
    Objects.requireNonNull(candidate, "candidate");
    Objects.requireNonNull(at, "at");
    differences = List.copyOf(differences);
    Objects.requireNonNull(primaryUsd, "primaryUsd");
    Objects.requireNonNull(candidateUsd, "candidateUsd");
    Objects.requireNonNull(traceId, "traceId");
  }
}
