package io.warden.policy;

import static io.warden.policy.PolicyFixtures.AGENT;
import static io.warden.policy.PolicyFixtures.AGENT_PATH;
import static io.warden.policy.PolicyFixtures.edit;
import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.change.RepoSnapshot;
import io.warden.core.policy.DecisionInput;
import io.warden.core.policy.PolicyDecision;
import io.warden.core.policy.PolicyDecision.Outcome;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A merge to main that changes what policies say empties the decision cache. */
@Timeout(60)
class CacheInvalidationIT {

  @TempDir
  Path dir;

  @Test
  void decide_afterMainChangesRevision_asksOpaAgainAndCarriesNewRevision() throws Exception {
    try (PolicyEngine engine = PolicyEngine.builder().setOpaBinary(PolicyFixtures.opa()).setSidecarPort(0)
        .setDataDir(dir).build()) {
      engine.start();
      RepoSnapshot main1 = PolicyFixtures.seededMain();
      engine.mainListener().onMainChanged(main1);
      DecisionInput emailDraft = new DecisionInput("reconciliation-finance", List.of(), "tool.call",
          "mcp://gateway/email-draft", null, Map.of(), Instant.now());

      PolicyDecision first = engine.decider().decide(emailDraft);
      PolicyDecision cached = engine.decider().decide(emailDraft);
      assertThat(first.outcome()).isEqualTo(Outcome.ALLOW);
      assertThat(cached).isEqualTo(first);
      assertThat((long) engine.health().get("cache_hits")).isEqualTo(1);

      // main2 takes email-draft away from the agent: the cached ALLOW must not survive the merge.
      RepoSnapshot main2 = edit(main1, AGENT_PATH, AGENT.replace("    - mcp://gateway/email-draft\n", ""));
      engine.mainListener().onMainChanged(main2);
      PolicyDecision after = engine.decider().decide(emailDraft);

      assertThat(engine.policyRevision()).isEqualTo(main2.commit());
      assertThat(after.outcome()).isEqualTo(Outcome.DENY);
      assertThat(after.policyRevision()).isEqualTo(main2.commit());
      assertThat((long) engine.health().get("cache_size")).isEqualTo(1);
      assertThat(engine.decisions().query(DecisionQuery.latest().withAgent("reconciliation-finance")))
          .extracting(DecisionRecord::policyRevision, DecisionRecord::cached)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(main2.commit(), false),
              org.assertj.core.groups.Tuple.tuple(main1.commit(), true),
              org.assertj.core.groups.Tuple.tuple(main1.commit(), false));
    }
  }
}
