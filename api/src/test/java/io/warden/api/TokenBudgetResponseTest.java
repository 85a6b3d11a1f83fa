package io.warden.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.identity.ScopeNarrowing;
import io.warden.core.identity.TokenScope;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What {@code POST /api/v1/tokens} says about the usd budget it granted. */
class TokenBudgetResponseTest {

  private static ScopeNarrowing.Narrowed granted(String usd, String requested, String cap) {
    TokenScope scope = new TokenScope("s", Set.of(), usd == null ? null : new BigDecimal(usd),
        Instant.parse("2026-03-01T10:05:00Z"), List.of("a"));
    return new ScopeNarrowing.Narrowed(scope, requested == null ? null : new BigDecimal(requested), cap);
  }

  @Test
  void tellBudget_capped_saysFromWhatToWhatAndWhy() {
    Map<String, Object> out = new LinkedHashMap<>();

    IdentityRoutes.tellBudget(out, granted("40", "99999", "budgets.usd_per_day of agent 'a'"));

    assertThat(out).containsEntry("usd_budget", new BigDecimal("40")).containsEntry("usd_budget_capped", true)
        .containsEntry("note", "usd_budget capped from 99999 to 40: the budgets.usd_per_day of agent 'a'");
  }

  @Test
  void tellBudget_notCapped_saysSoWithoutANote() {
    Map<String, Object> out = new LinkedHashMap<>();

    IdentityRoutes.tellBudget(out, granted("5", "5", null));

    assertThat(out).containsEntry("usd_budget", new BigDecimal("5")).containsEntry("usd_budget_capped", false)
        .doesNotContainKey("note");
  }
}
