package io.warden.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.WardenException;
import io.warden.core.descriptor.AgentDescriptor;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link ScopeNarrowing#narrow} as a table: who asks, holding what, for whom, asking what, and what comes out. */
class ScopeNarrowingTest {

  private static final String READ = "mcp://gateway/ledger-read";
  private static final String WRITE = "mcp://gateway/ledger-write";
  private static final String EMAIL = "mcp://gateway/email-draft";
  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

  private static final Map<String, AgentDescriptor> AGENTS = Map.of(
      "orchestrator", agent("orchestrator", List.of(READ, WRITE, EMAIL), "40", List.of("worker", "ghost", "free")),
      "worker", agent("worker", List.of(READ, EMAIL), "10", List.of("orchestrator")),
      "free", agent("free", List.of(READ), null, List.of()));

  private static AgentDescriptor agent(String name, List<String> tools, String usdPerDay, List<String> delegates) {
    AgentDescriptor.Budgets budgets = usdPerDay == null ? null : new AgentDescriptor.Budgets(null, new BigDecimal(usdPerDay));
    return new AgentDescriptor(AgentDescriptor.API_VERSION, AgentDescriptor.KIND,
        new AgentDescriptor.Metadata(name, "platform", null),
        new AgentDescriptor.Spec(null, null, tools, budgets, null, null, null, null, null, delegates));
  }

  /** A holder acting with its credential. */
  private static AgentPrincipal credential(String name) {
    return new AgentPrincipal(name, "cred-1", null);
  }

  /** A holder acting with a token: session "s", these tools and budget, expiring after {@code ttl}. */
  private static AgentPrincipal token(String name, Set<String> tools, String usd, Duration ttl, List<String> chain) {
    return new AgentPrincipal(name, "cred-1", new TokenScope("s", tools, usd == null ? null : new BigDecimal(usd),
        NOW.plus(ttl), chain));
  }

  private static TokenScope ask(String session, Set<String> tools, String usd, Duration ttl) {
    return new TokenScope(session, tools, usd == null ? null : new BigDecimal(usd), NOW.plus(ttl), null);
  }

  /** A row: the request, and either the granted budget/expiry/chain/cap or the error code and message. */
  record Row(String name, AgentPrincipal holder, String forAgent, TokenScope requested,
      String usd, Duration ttl, List<String> chain, String cappedBy, String errorCode, String errorPart) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Row ok(String name, AgentPrincipal holder, String forAgent, TokenScope requested,
      String usd, Duration ttl, List<String> chain, String cappedBy) {
    return new Row(name, holder, forAgent, requested, usd, ttl, chain, cappedBy, null, null);
  }

  private static Row refused(String name, AgentPrincipal holder, String forAgent, TokenScope requested,
      String code, String part) {
    return new Row(name, holder, forAgent, requested, null, null, null, null, code, part);
  }

  static Stream<Arguments> rows() {
    Duration m5 = Duration.ofMinutes(5);
    List<String> orch = List.of("orchestrator");
    List<String> orchWorker = List.of("orchestrator", "worker");
    return Stream.of(
        ok("self, within everything", credential("orchestrator"), "orchestrator",
            ask("s", Set.of(READ), "5", m5), "5", m5, orch, null),
        ok("self, no budget asked: the agent's own", credential("orchestrator"), "orchestrator",
            ask("s", Set.of(READ), null, m5), null, m5, orch, null),
        ok("self, budget above usd_per_day: capped at it", credential("orchestrator"), "orchestrator",
            ask("s", Set.of(READ), "99999", m5), "40", m5, orch, "budgets.usd_per_day of agent 'orchestrator'"),
        ok("self, budget equal to usd_per_day: not capped", credential("orchestrator"), "orchestrator",
            ask("s", Set.of(READ), "40", m5), "40", m5, orch, null),
        ok("agent without a daily budget: nothing to cap at", credential("free"), "free",
            ask("s", Set.of(READ), "99999", m5), "99999", m5, List.of("free"), null),
        ok("delegate: capped at the sub-agent's lower usd_per_day", credential("orchestrator"), "worker",
            ask("s", Set.of(READ), "30", m5), "10", m5, orchWorker, "budgets.usd_per_day of agent 'worker'"),
        ok("delegate from a token: chain grows", token("orchestrator", Set.of(READ, EMAIL), "20", m5, orch), "worker",
            ask("s", Set.of(EMAIL), "2", Duration.ofMinutes(1)), "2", Duration.ofMinutes(1), orchWorker, null),
        ok("credential: expiry capped at the maximum ttl", credential("orchestrator"), "orchestrator",
            ask("s", Set.of(READ), null, Duration.ofDays(30)), null, IdentityService.MAX_TOKEN_TTL, orch, null),
        ok("token: expiry capped at the holder's", token("orchestrator", Set.of(READ), null, m5, orch), "orchestrator",
            ask("s", Set.of(READ), null, Duration.ofHours(1)), null, m5, orch, null),
        refused("tool not in the descriptor", credential("worker"), "worker",
            ask("s", Set.of(WRITE), null, m5), "forbidden", "requested tools [" + WRITE + "] are wider than the scope of agent:worker"),
        refused("tool not in the holder's token", token("orchestrator", Set.of(READ), null, m5, orch), "orchestrator",
            ask("s", Set.of(EMAIL), null, m5), "forbidden", "requested tools [" + EMAIL + "] are wider"),
        refused("not a delegate", credential("free"), "worker",
            ask("s", Set.of(), null, m5), "forbidden", "agent 'free' may not delegate to 'worker': it is not in spec.delegates []"),
        refused("delegate not in the inventory", credential("orchestrator"), "ghost",
            ask("s", Set.of(), null, m5), "not_found", "sub-agent 'ghost' is not in the inventory"),
        refused("tool the sub-agent may not use", credential("orchestrator"), "worker",
            ask("s", Set.of(WRITE), null, m5), "forbidden", "are wider than sub-agent 'worker' may use"),
        refused("budget above the holder token's", token("orchestrator", Set.of(READ), "20", m5, orch), "orchestrator",
            ask("s", Set.of(READ), "20.01", m5), "forbidden", "requested usd budget 20.01 is wider than the 20 usd of agent:orchestrator"),
        refused("unlimited under a token with a budget", token("orchestrator", Set.of(READ), "20", m5, orch), "orchestrator",
            ask("s", Set.of(READ), null, m5), "forbidden", "requested an unlimited usd budget"),
        refused("another session than the token's", token("orchestrator", Set.of(READ), null, m5, orch), "orchestrator",
            ask("other", Set.of(READ), null, m5), "forbidden", "bound to session 's'"),
        refused("holder's token expired", token("orchestrator", Set.of(READ), null, Duration.ZERO, orch), "orchestrator",
            ask("s", Set.of(READ), null, m5), "unauthorized", "expired"),
        refused("expiry not in the future", credential("orchestrator"), "orchestrator",
            ask("s", Set.of(READ), null, Duration.ofSeconds(-1)), "invalid_input", "expiresAt must be in the future"),
        refused("chain longer than the maximum", token("worker", Set.of(READ), null, m5,
                Collections.nCopies(IdentityService.MAX_CHAIN_LENGTH, "worker")), "orchestrator",
            ask("s", Set.of(READ), null, m5), "forbidden", "is longer than " + IdentityService.MAX_CHAIN_LENGTH + " agents"))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void narrow(Row row) {
    AgentDescriptor holderDescriptor = AGENTS.get(row.holder().name());
    if (row.errorCode() != null) {
      assertThatThrownBy(() -> ScopeNarrowing.narrow(row.holder(), holderDescriptor, row.forAgent(),
              name -> Optional.ofNullable(AGENTS.get(name)), row.requested(), NOW))
          .isInstanceOfSatisfying(WardenException.class, e -> assertThat(e.code()).isEqualTo(row.errorCode()))
          .hasMessageContaining(row.errorPart());
      return;
    }

    ScopeNarrowing.Narrowed n = ScopeNarrowing.narrow(row.holder(), holderDescriptor, row.forAgent(),
        name -> Optional.ofNullable(AGENTS.get(name)), row.requested(), NOW);

    TokenScope s = n.scope();
    assertThat(s.session()).isEqualTo(row.requested().session());
    assertThat(s.tools()).isEqualTo(row.requested().tools());
    assertThat(s.usdBudget()).isEqualTo(row.usd() == null ? null : new BigDecimal(row.usd()));
    assertThat(s.expiresAt()).isEqualTo(NOW.plus(row.ttl()));
    assertThat(s.delegationChain()).isEqualTo(row.chain());
    assertThat(n.usdCap()).isEqualTo(row.cappedBy());
    assertThat(n.usdBudgetCapped()).isEqualTo(row.cappedBy() != null);
    assertThat(n.requestedUsdBudget()).isEqualTo(row.requested().usdBudget());
  }
}
