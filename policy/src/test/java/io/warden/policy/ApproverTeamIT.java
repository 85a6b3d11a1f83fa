package io.warden.policy;

import static io.warden.policy.PolicyFixtures.edit;
import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.change.RepoSnapshot;
import io.warden.core.policy.DecisionInput;
import io.warden.core.policy.PolicyDecision;
import io.warden.core.policy.PolicyDecision.Outcome;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The team that approves a held call, named by policy data ({@code data.warden.approvers}, a
 * {@code package warden.approvers} module on main) and answered by the seeded runtime.rego on the
 * real OPA.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ApproverTeamIT {
  private static final String AGENT_NAME = "reconciliation-finance";
  private static final String LEDGER = "mcp://gateway/ledger-read";

  @TempDir
  static Path dir;

  private PolicyEngine engine;

  @BeforeAll
  void start() {
    engine = PolicyEngine.builder()
        .setOpaBinary(PolicyFixtures.opa())
        .setSidecarPort(0)
        .setDataDir(dir.resolve("policy"))
        .build();
    engine.start();
  }

  @AfterAll
  void stop() {
    engine.close();
  }

  private PolicyDecision decide(BigDecimal value) {
    return engine.decider().decide(new DecisionInput(AGENT_NAME, List.of(), "tool.call", LEDGER, value, Map.of(),
        Instant.now()));
  }

  @Test
  void seededMain_namesNoTeam_thenApproversDataNamesOne_perToolBeforeDefault() throws Exception {
    RepoSnapshot seeded = PolicyFixtures.seededMain();
    engine.mainListener().onMainChanged(seeded);

    PolicyDecision held = decide(new BigDecimal("1500"));
    assertThat(held.outcome()).isEqualTo(Outcome.REQUIRE_APPROVAL);
    assertThat(held.approverTeam()).as("no policy data: any approver").isEmpty();

    RepoSnapshot withTeams = edit(seeded, "policies/approvers.rego", """
        package warden.approvers

        default_team := "ops"

        tools := {"mcp://gateway/ledger-read": "finance"}
        """);
    engine.mainListener().onMainChanged(withTeams);

    PolicyDecision now = decide(new BigDecimal("1500"));
    assertThat(now.outcome()).isEqualTo(Outcome.REQUIRE_APPROVAL);
    assertThat(now.approverTeam()).isEqualTo("finance");
    assertThat(now.policyRevision()).isEqualTo(withTeams.commit());
    PolicyDecision allowed = decide(null);
    assertThat(allowed.outcome()).isEqualTo(Outcome.ALLOW);
    assertThat(allowed.approverTeam()).as("a call the gateway holds itself needs the same team").isEqualTo("finance");

    engine.mainListener().onMainChanged(edit(withTeams, "policies/approvers.rego", """
        package warden.approvers

        default_team := "ops"
        """));
    assertThat(decide(new BigDecimal("1500")).approverTeam()).isEqualTo("ops");

    PolicyDecision denied = engine.decider().decide(new DecisionInput(AGENT_NAME, List.of(), "tool.call",
        "mcp://gateway/payment-execute", null, Map.of(), Instant.now()));
    assertThat(denied.outcome()).isEqualTo(Outcome.DENY);
    assertThat(denied.approverTeam()).isEmpty();
  }
}
