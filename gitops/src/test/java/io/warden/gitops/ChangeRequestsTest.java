package io.warden.gitops;

import static io.warden.gitops.Fixture.ALICE;
import static io.warden.gitops.Fixture.BOB;
import static io.warden.gitops.Fixture.CAROL;
import static io.warden.gitops.Fixture.VIEWER;
import static io.warden.gitops.Fixture.agentYaml;
import static io.warden.gitops.Fixture.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.Problem;
import io.warden.core.WardenException;
import io.warden.core.change.ChangeCheck;
import io.warden.core.change.CheckResult;
import io.warden.core.change.FileChange;
import io.warden.core.change.ProposedChange;
import io.warden.core.change.RequiredApproval;
import io.warden.core.identity.Role;
import io.warden.gitops.ChangeRequest.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ChangeRequestsTest {

  private static final String FINANCE = "agents/reconciliation-finance.yaml";

  @TempDir Path dir;

  private static String finance(Fixture f) {
    return f.repo.snapshot("main").text(FINANCE).orElseThrow();
  }

  private static WardenException refusal(Runnable action) {
    try {
      action.run();
    } catch (WardenException e) {
      return e;
    }
    throw new AssertionError("expected a WardenException");
  }

  @Test
  void openFromFiles_validDescriptor_opensBranchWithPassingChecks() {
    try (Fixture f = Fixture.open(dir)) {
      ChangeRequest cr = f.open(ALICE, "Add the payments agent", Map.of("agents/payments.yaml", agentYaml("payments", "")));

      assertThat(cr.id()).isEqualTo("1");
      assertThat(cr.status()).isEqualTo(Status.OPEN);
      assertThat(cr.branch()).isEqualTo("change/1");
      assertThat(cr.author()).isEqualTo("alice");
      assertThat(cr.baseCommit()).isEqualTo(f.repo.mainCommit());
      assertThat(cr.files()).containsExactly(new FileChange("agents/payments.yaml", FileChange.Kind.ADDED));
      assertThat(cr.checks()).extracting(CheckResult::check).containsExactly("merge", "layout", "schema", "cross-file");
      assertThat(cr.checks()).allMatch(CheckResult::passed);
      assertThat(cr.checkedAgainst()).isEqualTo(f.repo.mainCommit());
      assertThat(cr.requiredApprovals()).containsExactly(ChangeRequests.DEFAULT_APPROVAL);
      assertThat(cr.blockers()).singleElement().asString().contains("needs 1 approval");
      assertThat(f.repo.refId("refs/heads/change/1")).hasValue(ObjectId.fromString(cr.headCommit()));
      assertThat(f.repo.refId("refs/changes/1/head")).hasValue(ObjectId.fromString(cr.headCommit()));
      assertThat(f.changes.diff("1")).contains("+++ b/agents/payments.yaml", "+  name: payments");
      assertThat(f.auditActions()).contains("change.open", "change.check");
      assertThat(f.changes.get("1")).isEqualTo(cr);
    }
  }

  @Test
  void openFromFiles_badPaths_refusedWholeAndNothingWritten() {
    try (Fixture f = Fixture.open(dir)) {
      String main = f.repo.mainCommit();
      WardenException e = refusal(() -> f.changes.openFromFiles(ALICE, "sneaky", Map.of(
          "agents/ok.yaml", utf8(agentYaml("ok", "")),
          "../outside.yaml", utf8("x"),
          "agents/.git/config", utf8("x"),
          "/etc/passwd", utf8("x"),
          "agents\\win.yaml", utf8("x"),
          "src/Main.java", utf8("x"),
          "agents/huge.yaml", new byte[(1 << 20) + 1]), Set.of()));

      assertThat(e.code()).isEqualTo("invalid_input");
      assertThat(e.getMessage()).contains("nothing was written");
      assertThat(e.problems()).extracting(p -> p.file() + " " + p.message()).anySatisfy(s -> assertThat(s).startsWith("../outside.yaml").contains("'..'"))
          .anySatisfy(s -> assertThat(s).startsWith("agents/.git/config").contains(".git"))
          .anySatisfy(s -> assertThat(s).startsWith("/etc/passwd").contains("absolute"))
          .anySatisfy(s -> assertThat(s).startsWith("agents\\win.yaml").contains("backslash"))
          .anySatisfy(s -> assertThat(s).startsWith("src/Main.java").contains("outside the repository layout"))
          .anySatisfy(s -> assertThat(s).startsWith("agents/huge.yaml").contains("1 MiB"));
      assertThat(f.changes.list(null)).isEmpty();
      assertThat(f.repo.refs("refs/heads/").keySet()).containsExactly("refs/heads/main");
      assertThat(f.repo.mainCommit()).isEqualTo(main);
    }
  }

  @Test
  void openFromFiles_badRequests_clearRefusals() {
    try (Fixture f = Fixture.open(dir)) {
      assertThat(refusal(() -> f.open(VIEWER, "x", Map.of("agents/a.yaml", "x"))))
          .satisfies(e -> assertThat(e.code()).isEqualTo("forbidden"))
          .hasMessageContaining("needs role author").hasMessageContaining("role viewer");
      assertThat(refusal(() -> f.changes.openFromFiles(ALICE, "t", Map.of(), Set.of("agents/nope.yaml"))))
          .satisfies(e -> assertThat(e.code()).isEqualTo("invalid_input"))
          .hasMessageContaining("agents/nope.yaml").hasMessageContaining("no such file on main");
      assertThat(refusal(() -> f.open(ALICE, "same", Map.of(FINANCE, finance(f)))))
          .hasMessageContaining("nothing to change");
      assertThat(refusal(() -> f.open(ALICE, " ", Map.of("agents/a.yaml", "x")))).hasMessageContaining("title must not be empty");
      assertThat(refusal(() -> f.open(ALICE, "a\nb", Map.of("agents/a.yaml", "x")))).hasMessageContaining("one line");
      assertThat(refusal(() -> f.changes.openFromFiles(ALICE, "t", Map.of(), Set.of()))).hasMessageContaining("at least one file");
      assertThat(refusal(() -> f.changes.get("42"))).satisfies(e -> assertThat(e.code()).isEqualTo("not_found"));
      assertThat(f.changes.list(null)).isEmpty();
    }
  }

  @Test
  void openFromFiles_invalidDescriptor_checksFailWithLocation() {
    try (Fixture f = Fixture.open(dir)) {
      ChangeRequest cr = f.open(ALICE, "Wrong name", Map.of("agents/payments.yaml", agentYaml("billing", "")));
      CheckResult schema = cr.checks().stream().filter(c -> c.check().equals("schema")).findFirst().orElseThrow();
      assertThat(schema.status()).isEqualTo(CheckResult.Status.FAILED);
      assertThat(schema.problems()).singleElement().satisfies(p -> {
        assertThat(p.toString()).startsWith("agents/payments.yaml:4:3: metadata.name: agent 'billing' must be declared in agents/billing.yaml");
      });
      assertThat(cr.blockers()).anySatisfy(b -> assertThat(b).startsWith("check 'schema' failed"));
    }
  }

  @Test
  void approve_rules_authorContributorAndRoleRefused() {
    try (Fixture f = Fixture.open(dir)) {
      ChangeRequest cr = f.open(ALICE, "Add a", Map.of("agents/a.yaml", agentYaml("a", "")));
      assertThat(refusal(() -> f.changes.approve(new io.warden.core.identity.UserPrincipal("alice", Role.APPROVER, Set.of()), cr.id())))
          .satisfies(e -> assertThat(e.code()).isEqualTo("forbidden")).hasMessageContaining("you wrote change request #1");
      assertThat(refusal(() -> f.changes.approve(VIEWER, cr.id()))).hasMessageContaining("needs role approver");

      ChangeRequest approved = f.changes.approve(BOB, cr.id());
      assertThat(approved.approvals()).singleElement().satisfies(a -> {
        assertThat(a.user()).isEqualTo("bob");
        assertThat(a.headCommit()).isEqualTo(cr.headCommit());
      });
      assertThat(f.changes.approve(BOB, cr.id()).approvals()).hasSize(1);
      assertThat(approved.blockers()).isEmpty();
      assertThat(f.auditActions()).contains("change.approve");
    }
  }

  @Test
  void merge_missingApproval_refusedListingWhatIsMissing() {
    try (Fixture f = Fixture.open(dir)) {
      ChangeRequest cr = f.open(ALICE, "Add a", Map.of("agents/a.yaml", agentYaml("a", "")));
      String main = f.repo.mainCommit();
      assertThat(refusal(() -> f.changes.merge(BOB, cr.id())))
          .satisfies(e -> assertThat(e.code()).isEqualTo("conflict"))
          .hasMessageContaining("cannot merge yet").hasMessageContaining("needs 1 approval from a user with role approver");
      assertThat(refusal(() -> f.changes.merge(ALICE, cr.id()))).satisfies(e -> assertThat(e.code()).isEqualTo("forbidden"));
      assertThat(f.repo.mainCommit()).isEqualTo(main);
      assertThat(f.auditActions()).contains("change.merge.refused");
    }
  }

  @Test
  void merge_approvedFastForward_movesMainAndRecordsIt() {
    try (Fixture f = Fixture.open(dir)) {
      List<ChangeRequest> merged = new ArrayList<>();
      f.changes.addMergeListener(merged::add);
      ChangeRequest cr = f.open(ALICE, "Add a", Map.of("agents/a.yaml", agentYaml("a", "")));
      f.changes.approve(BOB, cr.id());
      ChangeRequest done = f.changes.merge(CAROL, cr.id());

      assertThat(done.status()).isEqualTo(Status.MERGED);
      assertThat(done.mergeCommit()).isEqualTo(cr.headCommit()).isEqualTo(f.repo.mainCommit());
      assertThat(done.mergedBy()).isEqualTo("carol");
      assertThat(f.repo.snapshot("main").files()).containsKey("agents/a.yaml");
      assertThat(merged).containsExactly(done);
      assertThat(refusal(() -> f.changes.merge(CAROL, cr.id()))).hasMessageContaining("is merged");
      assertThat(refusal(() -> f.changes.approve(CAROL, cr.id()))).hasMessageContaining("only open change requests");
      assertThat(f.changes.list(Status.MERGED)).containsExactly(done);
      assertThat(f.changes.list(Status.OPEN)).isEmpty();
    }
  }

  @Test
  void merge_checkDemandsTeamApproval_onlyTeamMemberSatisfiesIt() {
    ChangeCheck budgetRule = new ChangeCheck() {
      @Override
      public String name() {
        return "budget";
      }

      @Override
      public CheckResult run(ProposedChange change) {
        return new CheckResult("budget", CheckResult.Status.PASSED, "budget raise", List.of(),
            List.of(new RequiredApproval(Role.APPROVER, "platform", 1, "budget raises need the platform team")));
      }
    };
    try (Fixture f = Fixture.open(dir, List.of(budgetRule))) {
      ChangeRequest cr = f.open(ALICE, "Raise", Map.of(FINANCE, finance(f).replace("usd_per_day: 40", "usd_per_day: 400")));
      f.changes.approve(CAROL, cr.id());
      assertThat(refusal(() -> f.changes.merge(CAROL, cr.id())))
          .hasMessageContaining("in team platform").hasMessageContaining("budget raises need the platform team");
      f.changes.approve(BOB, cr.id());
      assertThat(f.changes.merge(CAROL, cr.id()).status()).isEqualTo(Status.MERGED);
    }
  }

  @Test
  void merge_checkAddedLater_runsBeforeMerge() {
    try (Fixture f = Fixture.open(dir, List.of())) {
      ChangeRequest cr = f.open(ALICE, "Add a", Map.of("agents/a.yaml", "anything"));
      f.changes.approve(BOB, cr.id());
      f.changes.addCheck(new ChangeCheck() {
        @Override
        public String name() {
          return "late";
        }

        @Override
        public CheckResult run(ProposedChange change) {
          throw new IllegalStateException("engine down");
        }
      });
      assertThat(refusal(() -> f.changes.merge(BOB, cr.id())))
          .hasMessageContaining("check 'late' error: check could not run: engine down");
    }
  }

  @Test
  void merge_twoChangesSameLine_secondIsRecheckedAndToldToRebase() {
    try (Fixture f = Fixture.open(dir)) {
      ChangeRequest a = f.open(ALICE, "40 to 50", Map.of(FINANCE, finance(f).replace("usd_per_day: 40", "usd_per_day: 50")));
      ChangeRequest b = f.open(ALICE, "40 to 60", Map.of(FINANCE, finance(f).replace("usd_per_day: 40", "usd_per_day: 60")));
      f.changes.approve(BOB, a.id());
      f.changes.approve(BOB, b.id());
      f.changes.merge(CAROL, a.id());
      String mainAfterA = f.repo.mainCommit();

      WardenException e = refusal(() -> f.changes.merge(CAROL, b.id()));
      assertThat(e.code()).isEqualTo("conflict");
      assertThat(e.getMessage()).startsWith("main moved since checks ran; checks were re-run against " + mainAfterA.substring(0, 10));
      ChangeRequest rechecked = f.changes.get(b.id());
      assertThat(rechecked.checkedAgainst()).isEqualTo(mainAfterA);
      assertThat(rechecked.checks()).singleElement().satisfies(c -> {
        assertThat(c.check()).isEqualTo("merge");
        assertThat(c.status()).isEqualTo(CheckResult.Status.FAILED);
        assertThat(c.summary()).contains("rebase on main");
        assertThat(c.problems()).extracting(p -> p.file()).containsExactly(FINANCE);
      });
      assertThat(refusal(() -> f.changes.merge(CAROL, b.id()))).hasMessageContaining("check 'merge' failed");
      assertThat(f.repo.mainCommit()).isEqualTo(mainAfterA);
    }
  }

  @Test
  void merge_concurrentChangesToOneAgent_oneWinsOtherRecheckedThenMergesWithMergeCommit() throws Exception {
    try (Fixture f = Fixture.open(dir)) {
      String yaml = finance(f);
      ChangeRequest a = f.open(ALICE, "budget", Map.of(FINANCE, yaml.replace("usd_per_day: 40", "usd_per_day: 50")));
      ChangeRequest b = f.open(ALICE, "memory", Map.of(FINANCE, yaml.replace("retention_days: 90", "retention_days: 30")));
      f.changes.approve(BOB, a.id());
      f.changes.approve(BOB, b.id());

      CountDownLatch start = new CountDownLatch(1);
      List<CompletableFuture<Object>> merges = new ArrayList<>();
      for (ChangeRequest cr : List.of(a, b)) {
        merges.add(CompletableFuture.supplyAsync(() -> {
          try {
            start.await();
            return f.changes.merge(CAROL, cr.id());
          } catch (WardenException e) {
            return e;
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        }));
      }
      start.countDown();
      List<Object> outcomes = new ArrayList<>();
      for (CompletableFuture<Object> m : merges) {
        outcomes.add(m.get());
      }
      assertThat(outcomes).filteredOn(ChangeRequest.class::isInstance).hasSize(1);
      WardenException loser = (WardenException) outcomes.stream().filter(WardenException.class::isInstance).findFirst().orElseThrow();
      assertThat(loser.code()).isEqualTo("conflict");
      assertThat(loser.getMessage()).contains("main moved since checks ran").contains("review and merge again");

      String loserId = outcomes.get(0) instanceof WardenException ? a.id() : b.id();
      ChangeRequest rechecked = f.changes.get(loserId);
      assertThat(rechecked.checkedAgainst()).isEqualTo(f.repo.mainCommit());
      assertThat(rechecked.checks()).allMatch(CheckResult::passed);
      assertThat(rechecked.approvals()).hasSize(1);

      ChangeRequest second = f.changes.merge(CAROL, loserId);
      assertThat(f.repo.parse(ObjectId.fromString(second.mergeCommit())).getParentCount()).isEqualTo(2);
      assertThat(f.repo.parse(ObjectId.fromString(second.mergeCommit())).getAuthorIdent().getName()).isEqualTo("alice");
      assertThat(finance(f)).contains("usd_per_day: 50").contains("retention_days: 30");
      assertThat(f.repo.history(FINANCE, 10)).hasSize(3);
    }
  }

  @Test
  void close_byAuthor_closesAndOthersNeedApprover() {
    try (Fixture f = Fixture.open(dir)) {
      ChangeRequest cr = f.open(ALICE, "Add a", Map.of("agents/a.yaml", agentYaml("a", "")));
      assertThat(refusal(() -> f.changes.close(new io.warden.core.identity.UserPrincipal("dan", Role.AUTHOR, Set.of()), cr.id())))
          .satisfies(e -> assertThat(e.code()).isEqualTo("forbidden"));
      ChangeRequest closed = f.changes.close(ALICE, cr.id());
      assertThat(closed.status()).isEqualTo(Status.CLOSED);
      assertThat(closed.closedBy()).isEqualTo("alice");
      assertThat(refusal(() -> f.changes.close(ALICE, cr.id()))).hasMessageContaining("is closed");
    }
  }

  @Test
  void onBranchPushed_newHead_dropsApprovalsAndRechecks() {
    try (Fixture f = Fixture.open(dir)) {
      ChangeRequest cr = f.open(ALICE, "Add a", Map.of("agents/a.yaml", agentYaml("a", "")));
      f.changes.approve(BOB, cr.id());
      ObjectId head = ObjectId.fromString(cr.headCommit());
      ObjectId tree = f.repo.editTree(f.repo.treeOf(head), Map.of("agents/a.yaml", utf8(agentYaml("a", "delegates: [ghost]"))), Set.of());
      ObjectId next = f.repo.commit(tree, List.of(head), WardenRepository.ident("alice"), WardenRepository.ident("alice"), "more\n");
      f.repo.compareAndSet(Constants.R_HEADS + cr.branch(), head, next, WardenRepository.ident("alice"), "push");

      ChangeRequest updated = f.changes.onBranchPushed(ALICE, cr.branch(), next).orElseThrow();
      assertThat(updated.id()).isEqualTo(cr.id());
      assertThat(updated.headCommit()).isEqualTo(next.name());
      assertThat(updated.approvals()).isEmpty();
      assertThat(updated.checks()).filteredOn(c -> c.check().equals("cross-file")).singleElement()
          .satisfies(c -> assertThat(c.problems()).singleElement().asString()
              .startsWith("agents/a.yaml:").contains("spec.delegates[0]: delegates to 'ghost', but no agent has that name"));
      assertThat(f.repo.refId("refs/changes/1/head")).hasValue(next);
    }
  }

  @Test
  void create_afterCrashBetweenRefAndRecord_repairs() {
    String branchHead;
    try (Fixture f = Fixture.open(dir)) {
      ChangeRequest cr = f.open(ALICE, "Add a", Map.of("agents/a.yaml", agentYaml("a", "")));
      // A push whose record write was lost: the branch moved, the record did not.
      ObjectId head = ObjectId.fromString(cr.headCommit());
      ObjectId tree = f.repo.editTree(f.repo.treeOf(head), Map.of("agents/a.yaml", utf8(agentYaml("a", "delegates: [reconciliation-finance]"))), Set.of());
      ObjectId next = f.repo.commit(tree, List.of(head), WardenRepository.ident("dora"), WardenRepository.ident("dora"), "more\n");
      f.repo.compareAndSet(Constants.R_HEADS + cr.branch(), head, next, WardenRepository.ident("dora"), "push");
      branchHead = next.name();
      // A branch pushed but never recorded at all.
      ObjectId lone = f.repo.commit(f.repo.editTree(f.repo.treeOf(f.repo.mainId()), Map.of("tools/x.md", utf8("x")), Set.of()),
          List.of(f.repo.mainId()), WardenRepository.ident("erin"), WardenRepository.ident("erin"), "Add a tool\n");
      f.repo.compareAndSet("refs/heads/erin-tool", null, lone, WardenRepository.ident("erin"), "push");
    }
    try (Fixture f = Fixture.open(dir)) {
      ChangeRequest repaired = f.changes.get("1");
      assertThat(repaired.headCommit()).isEqualTo(branchHead);
      assertThat(repaired.checkedHead()).isEqualTo(branchHead);
      assertThat(repaired.contributors()).contains("dora");
      ChangeRequest lone = f.changes.openFor("erin-tool").orElseThrow();
      assertThat(lone.id()).isEqualTo("2");
      assertThat(lone.author()).isEqualTo("erin");
      assertThat(lone.title()).isEqualTo("Add a tool");
    }
  }

  @Test
  void create_afterCrashBetweenMainMoveAndRecord_marksMerged() {
    try (Fixture f = Fixture.open(dir)) {
      ChangeRequest cr = f.open(ALICE, "Add a", Map.of("agents/a.yaml", agentYaml("a", "")));
      f.repo.compareAndSet(WardenRepository.MAIN_REF, f.repo.mainId(), ObjectId.fromString(cr.headCommit()),
          WardenRepository.ident("bob"), "merge");
    }
    try (Fixture f = Fixture.open(dir)) {
      ChangeRequest cr = f.changes.get("1");
      assertThat(cr.status()).isEqualTo(Status.MERGED);
      assertThat(cr.mergeCommit()).isEqualTo(f.repo.mainCommit());
      assertThat(cr.mergedBy()).isEqualTo("bob");
      assertThat(f.changes.openFromFiles(ALICE, "next", Map.of("agents/b.yaml", utf8(agentYaml("b", ""))), Set.of()).id())
          .isEqualTo("2");
    }
  }

  @Test
  @Timeout(60)
  void onBranchPushed_headMovesWhileChecksRun_lockFreeAndStaleResultDiscarded() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    ChangeCheck slow = check("slow", change -> {
      if (calls.getAndIncrement() == 0) {
        entered.countDown();
        release.await();
        return CheckResult.failed("slow", List.of(Problem.ofFile("tools/a.md", "verdict on the old head")));
      }
      return CheckResult.passed("slow", "fine");
    });
    try (Fixture f = Fixture.open(dir, List.of(slow));
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      ObjectId head1 = commit(f, f.repo.mainId(), "tools/a.md", "one");
      ObjectId head2 = commit(f, head1, "tools/a.md", "two");
      f.repo.compareAndSet("refs/heads/b", null, head1, WardenRepository.ident("alice"), "push");
      CompletableFuture<ChangeRequest> first =
          CompletableFuture.supplyAsync(() -> f.changes.onBranchPushed(ALICE, "b", head1).orElseThrow(), threads);
      try {
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        // Recorded, checks still running.
        assertThat(f.changes.get("1").blockers()).contains("checks have not run on head " + head1.name().substring(0, 10));

        // The write lock is free while the slow check runs: a second push records and checks its head.
        f.repo.compareAndSet("refs/heads/b", head1, head2, WardenRepository.ident("alice"), "push");
        ChangeRequest second = CompletableFuture.supplyAsync(() -> f.changes.onBranchPushed(ALICE, "b", head2).orElseThrow(),
            threads).get(30, TimeUnit.SECONDS);
        assertThat(second.checkedHead()).isEqualTo(head2.name());
        assertThat(second.checks()).allMatch(CheckResult::passed);
        // Approvals and other changes do not wait either.
        assertThat(f.changes.approve(BOB, "1").approvals()).hasSize(1);
      } finally {
        release.countDown();
      }
      // The first run finishes last: its verdict on the old head is discarded.
      assertThat(first.get(30, TimeUnit.SECONDS).headCommit()).isEqualTo(head2.name());
      ChangeRequest now = f.changes.get("1");
      assertThat(now.headCommit()).isEqualTo(now.checkedHead());
      assertThat(now.checks()).allMatch(CheckResult::passed);
      assertThat(now.approvals()).hasSize(1);
      assertThat(now.blockers()).isEmpty();
    }
  }

  @Test
  void recheck_checkErroredWhileEngineWasDown_rerunsAndMergeGoesThrough() {
    AtomicBoolean engineDown = new AtomicBoolean(true);
    ChangeCheck engine = check("engine", change -> {
      if (engineDown.get()) {
        throw new IllegalStateException("policy engine unavailable");
      }
      return CheckResult.passed("engine", "admitted");
    });
    try (Fixture f = Fixture.open(dir, List.of(engine))) {
      ChangeRequest a = f.open(ALICE, "Add a", Map.of("tools/a.md", "a"));
      ChangeRequest b = f.open(ALICE, "Add b", Map.of("tools/b.md", "b"));
      f.changes.approve(BOB, a.id());
      assertThat(refusal(() -> f.changes.merge(CAROL, a.id())))
          .hasMessageContaining("check 'engine' error: check could not run: policy engine unavailable");
      assertThat(f.changes.recheckErrored()).isEqualTo(2);
      assertThat(f.changes.get(a.id()).checks()).anySatisfy(c -> assertThat(c.status()).isEqualTo(CheckResult.Status.ERROR));

      engineDown.set(false);
      var dan = new io.warden.core.identity.UserPrincipal("dan", Role.AUTHOR, Set.of());
      assertThat(refusal(() -> f.changes.recheck(dan, a.id())).code()).isEqualTo("forbidden");
      assertThat(refusal(() -> f.changes.recheck(VIEWER, a.id())).code()).isEqualTo("forbidden");
      ChangeRequest rechecked = f.changes.recheck(ALICE, a.id());
      assertThat(rechecked.checks()).allMatch(CheckResult::passed);
      assertThat(rechecked.approvals()).hasSize(1);
      assertThat(f.changes.merge(CAROL, a.id()).status()).isEqualTo(Status.MERGED);

      // The engine is back: every change with an errored check is re-run, the others are left alone.
      assertThat(f.changes.recheckErrored()).isEqualTo(1);
      assertThat(f.changes.get(b.id()).checks()).allMatch(CheckResult::passed);
      assertThat(f.changes.recheckErrored()).isZero();
      assertThat(f.auditActions()).contains("change.recheck");
      assertThat(refusal(() -> f.changes.recheck(ALICE, a.id())).code()).isEqualTo("conflict");
    }
  }

  private interface CheckBody {
    CheckResult run(ProposedChange change) throws Exception;
  }

  private static ChangeCheck check(String name, CheckBody body) {
    return new ChangeCheck() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public CheckResult run(ProposedChange change) throws Exception {
        return body.run(change);
      }
    };
  }

  private static ObjectId commit(Fixture f, ObjectId parent, String path, String content) {
    ObjectId tree = f.repo.editTree(f.repo.treeOf(parent), Map.of(path, utf8(content)), Set.of());
    return f.repo.commit(tree, List.of(parent), WardenRepository.ident("alice"), WardenRepository.ident("alice"), content + "\n");
  }

  @Test
  void diff_ofOpenChange_isUnified() throws ExecutionException {
    try (Fixture f = Fixture.open(dir)) {
      ChangeRequest cr = f.open(ALICE, "Raise", Map.of(FINANCE, finance(f).replace("usd_per_day: 40", "usd_per_day: 45")));
      assertThat(f.changes.diff(cr.id())).contains("--- a/" + FINANCE, "+++ b/" + FINANCE, "-    usd_per_day: 40", "+    usd_per_day: 45");
    }
  }
}
