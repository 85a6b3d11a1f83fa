package io.warden.core.identity;

import io.warden.core.WardenException;
import io.warden.core.trace.Delegation;
import io.warden.core.descriptor.AgentDescriptor;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What a scoped token may allow, as a pure function of who asks, what they hold, what they ask for
 * and the descriptors: no store, no clock, no audit ({@link IdentityService#mintToken} does those).
 * A request is narrowed or refused, never widened:
 * <ul>
 *   <li><b>tools</b>: within the holder's scope (its token's tools, or every tool of its descriptor)
 *       and its current descriptor, and for a sub-agent also within the sub-agent's
 *       {@code spec.tools}; otherwise {@code forbidden};</li>
 *   <li><b>delegation target</b>: the holder itself (the chain stays) or one of its
 *       {@code spec.delegates} (the chain grows by one, at most {@link IdentityService#MAX_CHAIN_LENGTH});</li>
 *   <li><b>usd budget</b>: above the holder token's budget is {@code forbidden}; above the daily
 *       budget ({@code budgets.usd_per_day}) of the holder or of the sub-agent it is <em>capped</em>
 *       at the lower of them, and the result says so;</li>
 *   <li><b>ttl</b>: the expiry is capped at the holder's (a credential holds
 *       {@link IdentityService#MAX_TOKEN_TTL}), rounded down to whole seconds, and must be in the future.</li>
 * </ul>
 */
public final class ScopeNarrowing {

  private ScopeNarrowing() {}

  /**
   * The scope to sign.
   *
   * @param scope the narrowed scope, with the delegation chain filled in
   * @param requestedUsdBudget the budget asked for (null: the agent's own)
   * @param usdCap why the budget was lowered ({@code "budgets.usd_per_day of agent 'x'"}), or null
   *     when it was not
   */
  public record Narrowed(TokenScope scope, BigDecimal requestedUsdBudget, String usdCap) {
    public Narrowed {
      Objects.requireNonNull(scope, "scope");
    }

    /** Whether the usd budget asked for was lowered to {@code scope().usdBudget()}. */
    public boolean usdBudgetCapped() {
      return usdCap != null;
    }
  }

  /** The delegation chain a holder acts in: its token's, or the holder alone for a credential. */
  public static List<String> chainOf(AgentPrincipal holder) {
    return holder.scope() == null || holder.scope().delegationChain().isEmpty()
        ? List.of(holder.name())
        : holder.scope().delegationChain();
  }

  /**
   * Narrows {@code requested} for a token that {@code holder} mints for {@code forAgent}.
   *
   * @param holder the agent asking, with its token's scope or none (its credential)
   * @param holderDescriptor the holder's current descriptor
   * @param forAgent the holder itself or a sub-agent
   * @param descriptors current descriptors by agent name (for the sub-agent)
   * @param requested what is asked for; its delegation chain is ignored
   * @param now the time of the request
   * @throws WardenException {@code forbidden} when the request is wider than allowed,
   *     {@code not_found} for an unknown sub-agent, {@code invalid_input} for an expiry not in the
   *     future, {@code unauthorized} when the holder's token expired
   */
  public static Narrowed narrow(AgentPrincipal holder, AgentDescriptor holderDescriptor, String forAgent,
      Function<String, Optional<AgentDescriptor>> descriptors, TokenScope requested, Instant now) {
    List<String> heldChain = chainOf(holder);
    TokenScope held;
    if (holder.scope() == null) {
      held = new TokenScope(requested.session(), Set.copyOf(holderDescriptor.spec().tools()), null,
          now.plus(IdentityService.MAX_TOKEN_TTL), heldChain);
    } else {
      held = holder.scope();
      if (!held.expiresAt().isAfter(now)) {
        throw new WardenException("unauthorized", "the token of " + holder.subject() + " expired at " + held.expiresAt());
      }
      if (!held.session().equals(requested.session())) {
        throw WardenException.forbidden("session '" + requested.session() + "' is wider than the holder's scope:"
            + " its token is bound to session '" + held.session() + "'");
      }
    }

    Set<String> allowedTools = new TreeSet<>(held.tools());
    allowedTools.retainAll(holderDescriptor.spec().tools());
    Set<String> wider = new TreeSet<>(requested.tools());
    wider.removeAll(allowedTools);
    if (!wider.isEmpty()) {
      throw WardenException.forbidden("requested tools " + wider + " are wider than the scope of "
          + holder.subject() + ", which allows " + allowedTools);
    }

    List<String> chain;
    AgentDescriptor subDescriptor = null;
    if (forAgent.equals(holder.name())) {
      chain = heldChain;
    } else {
      List<String> delegates = holderDescriptor.spec().delegates();
      if (!delegates.contains(forAgent)) {
        throw WardenException.forbidden("agent '" + holder.name() + "' may not delegate to '" + forAgent
            + "': it is not in spec.delegates " + delegates);
      }
      subDescriptor = descriptors.apply(forAgent)
          .orElseThrow(() -> WardenException.notFound("sub-agent '" + forAgent + "' is not in the inventory"));
      Set<String> notSubTools = new TreeSet<>(requested.tools());
      notSubTools.removeAll(subDescriptor.spec().tools());
      if (!notSubTools.isEmpty()) {
        throw WardenException.forbidden("requested tools " + notSubTools + " are wider than sub-agent '"
            + forAgent + "' may use: its spec.tools are " + subDescriptor.spec().tools());
      }
      chain = new ArrayList<>(heldChain);
      chain.add(forAgent);
      if (chain.size() > IdentityService.MAX_CHAIN_LENGTH) {
        throw WardenException.forbidden("delegation chain " + chain + " is longer than "
            + IdentityService.MAX_CHAIN_LENGTH + " agents");
      }
    }

    BigDecimal usd = requested.usdBudget();
    if (held.usdBudget() != null) {
      if (usd == null) {
        throw WardenException.forbidden("requested an unlimited usd budget, wider than the "
            + held.usdBudget().toPlainString() + " usd of " + holder.subject());
      }
      if (usd.compareTo(held.usdBudget()) > 0) {
        throw WardenException.forbidden("requested usd budget " + usd.toPlainString() + " is wider than the "
            + held.usdBudget().toPlainString() + " usd of " + holder.subject());
      }
    }
    // A token's budget is a share of a day's: asking for more than the agent may spend in a day is
    // lowered to that (not refused, so a client that asks for "plenty" still works), and said so.
    String usdCap = null;
    BigDecimal granted = usd;
    if (usd != null) {
      for (AgentDescriptor d : subDescriptor == null ? List.of(holderDescriptor) : List.of(holderDescriptor, subDescriptor)) {
        BigDecimal perDay = d.spec().budgets() == null ? null : d.spec().budgets().usdPerDay();
        if (perDay != null && granted.compareTo(perDay) > 0) {
          granted = perDay;
          usdCap = "budgets.usd_per_day of agent '" + d.name() + "'";
        }
      }
    }

    Instant expiresAt = (requested.expiresAt().isBefore(held.expiresAt()) ? requested.expiresAt() : held.expiresAt())
        .truncatedTo(ChronoUnit.SECONDS); // JWT exp has whole seconds: round down, never up
    if (!expiresAt.isAfter(now)) {
      throw WardenException.invalid("expiresAt must be in the future: " + requested.expiresAt());
    }
    // The holder's delegation hops, plus the one it names now (always from itself: a hop is the
    // minting agent's own span).
    List<Delegation.Hop> hops = new ArrayList<>(holder.scope() == null ? List.of() : holder.scope().delegationHops());
    for (Delegation.Hop h : requested.delegationHops()) {
      hops.add(new Delegation.Hop(holder.name(), h.traceId(), h.spanId()));
    }
    if (hops.size() > IdentityService.MAX_CHAIN_LENGTH) {
      throw WardenException.forbidden("delegation hops " + hops + " are more than " + IdentityService.MAX_CHAIN_LENGTH);
    }
    return new Narrowed(new TokenScope(requested.session(), requested.tools(), granted, expiresAt, chain, hops),
        usd, usdCap);
  }
}
