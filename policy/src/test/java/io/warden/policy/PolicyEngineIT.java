package io.warden.policy;

import static io.warden.policy.PolicyFixtures.AGENT;
import static io.warden.policy.PolicyFixtures.AGENT_PATH;
import static io.warden.policy.PolicyFixtures.change;
import static io.warden.policy.PolicyFixtures.edit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.Problem;
import io.warden.core.WardenException;
import io.warden.core.change.CheckResult;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.change.RequiredApproval;
import io.warden.core.identity.Role;
import io.warden.core.policy.DecisionInput;
import io.warden.core.policy.PolicyDecision;
import io.warden.core.policy.PolicyDecision.Outcome;
import io.warden.core.shadow.ModelShadowReport;
import io.warden.core.shadow.ShadowEvidence;
import io.warden.core.shadow.ShadowReport;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Admission, runtime decisions, policy sync and the decision log against one real OPA sidecar. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class PolicyEngineIT {

  private static final String LEDGER = "mcp://gateway/ledger-read";
  private static final String AGENT_NAME = "reconciliation-finance";

  @TempDir
  static Path dir;

  private PolicyEngine engine;
  private RepoSnapshot main;
  /** The shadow evidence admission reads (core's ShadowLedger in the appliance). */
  private final AtomicReference<ShadowReport> evidence = new AtomicReference<>();
  /** The model-shadow evidence admission reads (core's ModelShadowLedger in the appliance). */
  private final AtomicReference<ModelShadowReport> modelEvidence = new AtomicReference<>();
  /** The candidates admission asked about. */
  private final List<String> modelEvidenceAsked = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeAll
  void start() throws Exception {
    engine = PolicyEngine.builder()
        .setOpaBinary(PolicyFixtures.opa())
        .setSidecarPort(0)
        .setDataDir(dir.resolve("policy"))
        .setShadowEvidence(agent -> evidence.get() == null ? ShadowEvidence.NONE.report(agent) : evidence.get())
        .setModelShadowEvidence((agent, candidate) -> {
          modelEvidenceAsked.add(agent + " " + candidate);
          return modelEvidence.get() == null ? ModelShadowReport.empty(agent, candidate) : modelEvidence.get();
        })
        .build();
    engine.start();
    main = PolicyFixtures.seededMain();
    engine.mainListener().onMainChanged(main);
  }

  @AfterAll
  void stop() {
    engine.close();
  }

  private static String agentWith(String from, String to) {
    assertThat(AGENT).contains(from);
    return AGENT.replace(from, to);
  }

  private static DecisionInput call(String agent, String action, String resource, BigDecimal value, Map<String, Object> budget) {
    return new DecisionInput(agent, List.of(), action, resource, value, budget, Instant.now());
  }

  // ---- admission ----

  @Test
  void admission_budgetRaise_requiresApproverFromPlatform() throws Exception {
    RepoSnapshot head = edit(main, AGENT_PATH, agentWith("usd_per_day: 40", "usd_per_day: 80"));

    CheckResult r = engine.admissionCheck().run(change(main, head));

    assertThat(r.status()).isEqualTo(CheckResult.Status.PASSED);
    assertThat(r.requiredApprovals()).containsExactly(new RequiredApproval(Role.APPROVER, "platform", 1,
        "budget raise: agent reconciliation-finance usd_per_day 40 -> 80"));
    assertThat(r.summary()).contains("needs 1 approver from team platform")
        .contains(main.commit().substring(0, 12));
  }

  @Test
  void admission_seededAgentAdded_isAdmittedWithoutApprovals() throws Exception {
    RepoSnapshot withoutAgent = edit(main, AGENT_PATH, null);

    CheckResult r = engine.admissionCheck().run(change(withoutAgent, main));

    assertThat(r.status()).as(r.toString()).isEqualTo(CheckResult.Status.PASSED);
    assertThat(r.requiredApprovals()).isEmpty();
  }

  @Test
  void admission_approvalThresholdRaised_requiresApproverFromPlatform() throws Exception {
    RepoSnapshot head = edit(main, AGENT_PATH, agentWith("on_action_value_usd_gt: 1000", "on_action_value_usd_gt: 100000000"));

    CheckResult r = engine.admissionCheck().run(change(main, head));

    assertThat(r.passed()).as(r.toString()).isTrue();
    assertThat(r.requiredApprovals()).containsExactly(new RequiredApproval(Role.APPROVER, "platform", 1,
        "approval weakened: agent reconciliation-finance spec.approval.on_action_value_usd_gt 1000 -> 100000000"));
  }

  @Test
  void admission_approvalRemoved_requiresApproverFromPlatform() throws Exception {
    RepoSnapshot head = edit(main, AGENT_PATH, agentWith("  approval:\n    on_action_value_usd_gt: 1000\n", ""));

    CheckResult r = engine.admissionCheck().run(change(main, head));

    assertThat(r.passed()).as(r.toString()).isTrue();
    assertThat(r.requiredApprovals()).containsExactly(new RequiredApproval(Role.APPROVER, "platform", 1,
        "approval weakened: agent reconciliation-finance spec.approval.on_action_value_usd_gt 1000 -> removed"));
  }

  @Test
  void admission_newAgentAboveTheNewAgentLimit_requiresApproverFromPlatform() throws Exception {
    RepoSnapshot withoutAgent = edit(main, AGENT_PATH, null);
    RepoSnapshot head = edit(withoutAgent, AGENT_PATH, agentWith("usd_per_day: 40", "usd_per_day: 99999"));

    CheckResult r = engine.admissionCheck().run(change(withoutAgent, head));

    assertThat(r.passed()).as(r.toString()).isTrue();
    assertThat(r.requiredApprovals()).containsExactly(new RequiredApproval(Role.APPROVER, "platform", 1,
        "new agent reconciliation-finance starts above the new-agent limit: usd_per_day 99999 > 100"));
  }

  @Test
  void admission_budgetLowered_needsNoApproval() throws Exception {
    RepoSnapshot head = edit(main, AGENT_PATH, agentWith("calls_per_hour: 200", "calls_per_hour: 100"));

    CheckResult r = engine.admissionCheck().run(change(main, head));

    assertThat(r.passed()).isTrue();
    assertThat(r.requiredApprovals()).isEmpty();
  }

  @Test
  void admission_toolOffTheAllowList_failsAtTheToolsLine() throws Exception {
    RepoSnapshot head = edit(main, AGENT_PATH,
        agentWith("    - mcp://gateway/email-draft\n", "    - mcp://gateway/email-draft\n    - mcp://gateway/shell\n"));

    CheckResult r = engine.admissionCheck().run(change(main, head));

    assertThat(r.status()).isEqualTo(CheckResult.Status.FAILED);
    assertThat(r.problems()).singleElement().satisfies(p -> {
      assertThat(p.file()).isEqualTo(AGENT_PATH);
      assertThat(p.line()).isEqualTo(18);
      assertThat(p.column()).isEqualTo(7);
      assertThat(p.field()).isEqualTo("spec.tools[3]");
      assertThat(p.message()).contains("tool mcp://gateway/shell is not on the allow-list");
    });
  }

  @Test
  void admission_leavingShadowAutonomy_needsTheShadowEvidenceFromTheProvider() throws Exception {
    RepoSnapshot inShadow = edit(main, AGENT_PATH, AGENT + "  autonomy: shadow\n");
    RepoSnapshot supervised = edit(inShadow, AGENT_PATH, AGENT + "  autonomy: supervised\n");

    evidence.set(new ShadowReport("reconciliation-finance", 40, 40, 40, 40, List.of()));
    CheckResult few = engine.admissionCheck().run(change(inShadow, supervised));
    assertThat(few.status()).isEqualTo(CheckResult.Status.FAILED);
    assertThat(few.problems()).extracting(Problem::toString).singleElement().asString()
        .contains("spec.autonomy: agent reconciliation-finance: spec.autonomy may move from shadow to supervised"
            + " only with shadow evidence of at least 50 paired actions")
        .contains("it has 40 pairs agreeing 100%");

    evidence.set(new ShadowReport("reconciliation-finance", 60, 60, 60, 58, List.of()));
    CheckResult enough = engine.admissionCheck().run(change(inShadow, supervised));
    assertThat(enough.problems()).extracting(Problem::toString).noneMatch(p -> p.contains("spec.autonomy"));
    assertThat(enough.status()).isNotEqualTo(CheckResult.Status.FAILED);
  }

  @Test
  void admission_pinnedRevisionChangedWithoutShadow_failsAtTheField() throws Exception {
    RepoSnapshot head = edit(main, AGENT_PATH, agentWith("\"2026-02-14\"", "\"2026-06-01\""));

    CheckResult r = engine.admissionCheck().run(change(main, head));

    assertThat(r.status()).isEqualTo(CheckResult.Status.FAILED);
    assertThat(r.problems()).extracting(Problem::toString).singleElement().asString()
        .startsWith(AGENT_PATH + ":10:5: spec.model.pinned_revision: agent reconciliation-finance: pinned_revision changes");
  }

  @Test
  void admission_pinnedRevisionChanged_needsTheModelShadowEvidenceFromTheProvider() throws Exception {
    RepoSnapshot head = edit(main, AGENT_PATH, agentWith("\"2026-02-14\"", "\"2026-06-01\""));
    String candidate = "anthropic/claude-opus-4-7@2026-06-01";

    modelEvidence.set(new ModelShadowReport(AGENT_NAME, candidate, 80, 80, 0.95, 1, 0, BigDecimal.ZERO, List.of()));
    CheckResult few = engine.admissionCheck().run(change(main, head));
    assertThat(modelEvidenceAsked).contains(AGENT_NAME + " " + candidate);
    assertThat(few.status()).isEqualTo(CheckResult.Status.FAILED);
    assertThat(few.problems()).extracting(Problem::toString).singleElement().asString()
        .contains("needs at least 100 compared shadow samples agreeing at least 95% of the time; it has 80 samples"
            + " agreeing 100%");

    modelEvidence.set(new ModelShadowReport(AGENT_NAME, candidate, 120, 117, 0.93, 0.99, 0, BigDecimal.ZERO, List.of()));
    CheckResult enough = engine.admissionCheck().run(change(main, head));
    assertThat(enough.problems()).extracting(Problem::toString).noneMatch(p -> p.contains("spec.model"));
    assertThat(enough.status()).isNotEqualTo(CheckResult.Status.FAILED);
    modelEvidence.set(null);
  }

  @Test
  void admission_regoSyntaxError_failsWithOpasFileAndLine() throws Exception {
    RepoSnapshot head = edit(main, "policies/extra.rego", """
        package warden.admission

        deny contains msg if {
          msg :=
        }
        """);

    CheckResult r = engine.admissionCheck().run(change(main, head));

    assertThat(r.status()).isEqualTo(CheckResult.Status.FAILED);
    assertThat(r.problems()).anySatisfy(p -> {
      assertThat(p.file()).isEqualTo("policies/extra.rego");
      assertThat(p.line()).isEqualTo(5);
      assertThat(p.message()).startsWith("rego_parse_error:");
    });
  }

  @Test
  void admission_failingPolicyTest_failsWithTheTestsLocation() throws Exception {
    RepoSnapshot head = edit(main, "policies/extra_test.rego", """
        package warden.admission_test

        import data.warden.admission

        test_budget_raise_is_free if {
        \tcount(admission.required_approvals) == 0 with input as {
        \t\t"old": {"a": {"spec": {"budgets": {"usd_per_day": 1}}}},
        \t\t"new": {"a": {"spec": {"budgets": {"usd_per_day": 2}}}},
        \t\t"files": [],
        \t}
        }
        """);

    CheckResult r = engine.admissionCheck().run(change(main, head));

    assertThat(r.status()).isEqualTo(CheckResult.Status.FAILED);
    assertThat(r.problems()).extracting(Problem::toString)
        .containsExactly("policies/extra_test.rego:5:1: test data.warden.admission_test.test_budget_raise_is_free failed");
  }

  @Test
  void admission_packageOutsideWarden_fails() throws Exception {
    RepoSnapshot head = edit(main, "policies/acme.rego", "package acme.rules\n\nallow := true\n");

    CheckResult r = engine.admissionCheck().run(change(main, head));

    assertThat(r.status()).isEqualTo(CheckResult.Status.FAILED);
    assertThat(r.problems()).extracting(Problem::toString)
        .anySatisfy(s -> assertThat(s).startsWith("policies/acme.rego:1:9: package acme.rules is outside warden.*"));
  }

  @Test
  void admission_changeWeakeningTheBudgetRule_isStillJudgedByMainsRule() throws Exception {
    RepoSnapshot head = edit(main,
        "policies/budget.rego", "package warden.admission\n",
        "policies/budget_test.rego", null,
        AGENT_PATH, agentWith("usd_per_day: 40", "usd_per_day: 4000"));

    CheckResult r = engine.admissionCheck().run(change(main, head));

    assertThat(r.passed()).as(r.toString()).isTrue();
    assertThat(r.requiredApprovals()).singleElement().satisfies(a -> {
      assertThat(a.role()).isEqualTo(Role.APPROVER);
      assertThat(a.team()).isEqualTo("platform");
      assertThat(a.reason()).contains("budget raise: agent reconciliation-finance usd_per_day 40 -> 4000")
          .contains("governance files changed: policies/budget.rego, policies/budget_test.rego");
    });
  }

  @Test
  void admission_invalidDescriptor_failsWithoutJudgingIt() throws Exception {
    RepoSnapshot head = edit(main, AGENT_PATH, "metadata: [\n");

    CheckResult r = engine.admissionCheck().run(change(main, head));

    assertThat(r.status()).isEqualTo(CheckResult.Status.FAILED);
    assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("schema check"));
  }

  // ---- runtime decisions ----

  @Test
  void decide_declaredToolWithinBudget_isAllowedWithTheRevision() {
    PolicyDecision d = engine.decider().decide(call(AGENT_NAME, "tool.call", LEDGER, null, Map.of("usd_spent_today", 3)));

    assertThat(d.outcome()).isEqualTo(Outcome.ALLOW);
    assertThat(d.policyRevision()).isEqualTo(engine.policyRevision()).isNotEmpty();
  }

  @Test
  void decide_toolNotInDescriptor_isDenied() {
    PolicyDecision d = engine.decider().decide(call(AGENT_NAME, "tool.call", "mcp://gateway/payment-execute", null, Map.of()));

    assertThat(d.outcome()).isEqualTo(Outcome.DENY);
    assertThat(d.reasons()).containsExactly(
        "agent reconciliation-finance may not call mcp://gateway/payment-execute: it is not in the agent's spec.tools");
  }

  @Test
  void decide_valueOverThreshold_requiresApproval() {
    PolicyDecision d = engine.decider().decide(call(AGENT_NAME, "tool.call", LEDGER, new BigDecimal("1500.00"), Map.of()));

    assertThat(d.outcome()).isEqualTo(Outcome.REQUIRE_APPROVAL);
    assertThat(d.reasons()).containsExactly(
        "action value 1500 USD is over agent reconciliation-finance's approval threshold of 1000 USD");
  }

  @Test
  void decide_budgetExhausted_isDenied() {
    PolicyDecision d = engine.decider().decide(call(AGENT_NAME, "model.call", "anthropic/claude-opus-4-7@2026-02-14",
        null, Map.of("usd_spent_today", new BigDecimal("40.01"))));

    assertThat(d.outcome()).isEqualTo(Outcome.DENY);
    assertThat(d.reasons()).singleElement().asString().contains("has used its daily budget");
  }

  @Test
  void decide_everyDecision_isLoggedAndQueryable() {
    String agent = "logged-agent";
    DecisionInput in = call(agent, "tool.call", LEDGER, null, Map.of());
    engine.decider().decide(in);
    engine.decider().decide(in);

    List<DecisionRecord> logged = engine.decisions().query(DecisionQuery.latest().withAgent(agent));

    assertThat(logged).hasSize(2);
    assertThat(logged).allSatisfy(r -> {
      assertThat(r.result()).isEqualTo(Outcome.DENY);
      assertThat(r.reasons()).containsExactly("agent logged-agent is not in the inventory on main");
      assertThat(r.inputDigest()).hasSize(64);
      assertThat(r.policyRevision()).isEqualTo(engine.policyRevision());
      assertThat(r.action()).isEqualTo("tool.call");
      assertThat(r.resource()).isEqualTo(LEDGER);
    });
    assertThat(logged.get(0).inputDigest()).isEqualTo(logged.get(1).inputDigest());
    assertThat(logged).extracting(DecisionRecord::cached).containsExactly(true, false);
    assertThat(engine.decisions().query(DecisionQuery.latest().withAgent(agent).withResult(Outcome.ALLOW))).isEmpty();
  }

  @Test
  void decideWithoutWaiting_isNullUntilOpaAnswered_thenTheCachedDecision_loggedAsCached() {
    String agent = "event-loop-agent";
    DecisionInput in = call(agent, "tool.call", LEDGER, null, Map.of());
    assertThat(engine.decider().decideWithoutWaiting(in)).isNull();

    PolicyDecision asked = engine.decider().decide(in);
    PolicyDecision known = engine.decider().decideWithoutWaiting(in);

    assertThat(known).isEqualTo(asked);
    assertThat(engine.decisions().query(DecisionQuery.latest().withAgent(agent)))
        .extracting(DecisionRecord::cached).containsExactly(true, false);
    // Another question is not in the cache: the caller must ask (and wait).
    assertThat(engine.decider().decideWithoutWaiting(call(agent, "tool.call", "mcp://gateway/other", null, Map.of())))
        .isNull();
  }

  // ---- policy sync ----

  @Test
  void mainListener_policyThatDoesNotCompile_isRefusedWholeAndOldRevisionStays() {
    String before = engine.policyRevision();
    RepoSnapshot broken = edit(main, "policies/runtime.rego", "package warden.runtime\n\ndecision := {\"result\": \"allow\"\n",
        "policies/other.rego", "package warden.other\n\nx := 1\n");

    assertThatThrownBy(() -> engine.mainListener().onMainChanged(broken))
        .isInstanceOfSatisfying(WardenException.class, e -> {
          assertThat(e.code()).isEqualTo("invalid_input");
          assertThat(e.getMessage()).contains("do not compile").contains("still enforcing");
          assertThat(e.problems()).anySatisfy(p -> assertThat(p.file()).isEqualTo("policies/runtime.rego"));
        });
    assertThat(engine.policyRevision()).isEqualTo(before);
    assertThat(engine.decider().decide(call(AGENT_NAME, "tool.call", LEDGER, null, Map.of())).outcome())
        .isEqualTo(Outcome.ALLOW);
    assertThat(engine.health()).containsEntry("state", "WARN");
  }

  @Test
  void health_afterStart_isOkWithTheRevision() {
    Map<String, Object> h = engine.health();

    assertThat(h.get("state")).isIn("OK", "WARN");
    assertThat(h).containsEntry("mode", "sidecar").containsEntry("policy_revision", engine.policyRevision());
    assertThat((long) h.get("sidecar_pid")).isPositive();
  }
}
