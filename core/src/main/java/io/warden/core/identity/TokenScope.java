package io.warden.core.identity;

import io.warden.core.trace.Delegation;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a short-lived agent token allows: one session or task, a subset of the agent's tools, a share
 * of its budget, an expiry, and the delegation chain that led to it (outermost agent first).
 *
 * @param session session or task id the token is bound to
 * @param tools the tools allowed (each {@code mcp://gateway/<tool>}); a subset of the agent's tools
 * @param usdBudget the most this token may spend, or null for the agent's own budget
 * @param expiresAt when the token stops working
 * @param delegationChain agent names from the original caller to the holder; the holder is last
 * @param delegationHops the spans the delegations were made from, outermost first, when the minting
 *     agents named them ({@code parent} in {@code POST /api/v1/tokens}): spans exported with the
 *     token join the parent's logical trace as if they carried this {@code warden.delegation} baggage
 */
public record TokenScope(
    String session, Set<String> tools, BigDecimal usdBudget, Instant expiresAt, List<String> delegationChain,
    List<Delegation.Hop> delegationHops) {
  public TokenScope {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(expiresAt, "expiresAt");
    tools = tools == null ? Set.of() : Set.copyOf(tools);
    delegationChain = delegationChain == null ? List.of() : List.copyOf(delegationChain);
    delegationHops = delegationHops == null ? List.of() : List.copyOf(delegationHops);
  }

  /** A scope whose delegations name no span. */
  public TokenScope(
      String session, Set<String> tools, BigDecimal usdBudget, Instant expiresAt, List<String> delegationChain) {
    this(session, tools, usdBudget, expiresAt, delegationChain, List.of());
  }

  /** True when this scope allows nothing that {@code wider} does not. */
  public boolean isWithin(TokenScope wider) {
    return wider.tools.containsAll(tools)
        && !expiresAt.isAfter(wider.expiresAt)
        && (wider.usdBudget == null
            || (usdBudget != null && usdBudget.compareTo(wider.usdBudget) <= 0));
  }
}
