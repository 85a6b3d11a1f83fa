package io.warden.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.WardenException;
import io.warden.core.policy.PolicyDecision.Outcome;
import io.warden.policy.DecisionQuery;
import io.warden.policy.DecisionRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecisionRoutesTest {

  private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @Test
  void query_noParameters_isTheLatestHundred() {
    assertThat(DecisionRoutes.query(null, null, null, null, null, CLOCK)).isEqualTo(DecisionQuery.latest());
  }

  @Test
  void query_allParameters_areParsed() {
    DecisionQuery q = DecisionRoutes.query("recon", "require_approval", "24h", "2026-11-26T11:00:00Z", "5", CLOCK);

    assertThat(q).isEqualTo(new DecisionQuery("recon", Outcome.REQUIRE_APPROVAL,
        Instant.parse("2026-11-25T12:00:00Z"), Instant.parse("2026-11-26T11:00:00Z"), 5));
    assertThat(DecisionRoutes.query(null, "DENY", "2026-11-01", null, null, CLOCK).from())
        .isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
  }

  @Test
  void query_badParameters_nameTheParameterAndValue() {
    assertThatThrownBy(() -> DecisionRoutes.query(null, "maybe", null, null, null, CLOCK))
        .isInstanceOf(WardenException.class)
        .hasMessage("result must be one of allow, deny, require_approval, got 'maybe'");
    assertThatThrownBy(() -> DecisionRoutes.query(null, null, "yesterday", null, null, CLOCK))
        .hasMessageStartingWith("from must be an ISO-8601 instant").hasMessageEndingWith("got 'yesterday'");
    assertThatThrownBy(() -> DecisionRoutes.query(null, null, null, null, "0", CLOCK))
        .hasMessage("limit must be a whole number 1..1000, got '0'");
    assertThatThrownBy(() -> DecisionRoutes.query(null, null, "1h", "2h", null, CLOCK))
        .hasMessageStartingWith("from must be before to");
  }

  @Test
  void json_usesTheApisSnakeCaseNames() {
    DecisionRecord r = new DecisionRecord(3, NOW, "recon", "tool.call", "mcp://gateway/ledger-read",
        Outcome.REQUIRE_APPROVAL, List.of("over 1000 USD"), "abc", "d1g", 120, true);

    assertThat(DecisionRoutes.json(r)).containsEntry("result", "require_approval")
        .containsEntry("policy_revision", "abc").containsEntry("latency_us", 120L)
        .containsEntry("time", "2026-11-26T12:00:00Z").containsEntry("input_digest", "d1g");
  }
}
