package io.warden.core.policy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The facts a runtime decision is made on.
 *
 * @param agent the calling agent's name (an authenticated principal)
 * @param delegationChain agents from the original caller to {@code agent}
 * @param action {@code model.call} or {@code tool.call}
 * @param resource the model ({@code anthropic/claude-opus-4-7@2026-02-14}) or tool ({@code mcp://gateway/x})
 * @param actionValueUsd the business value of the action, or null when not applicable
 * @param budget current budget state: {@code usd_spent_today}, {@code calls_last_hour}, ...
 * @param time when the call is made
 */
public record DecisionInput(
    String agent, List<String> delegationChain, String action, String resource,
    BigDecimal actionValueUsd, Map<String, Object> budget, Instant time) {
  public DecisionInput {
    Objects.requireNonNull(agent, "agent");
    delegationChain = delegationChain == null ? List.of() : List.copyOf(delegationChain);
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(resource, "resource");
    budget = budget == null ? Map.of() : Map.copyOf(budget);
    Objects.requireNonNull(time, "time");
  }
}
