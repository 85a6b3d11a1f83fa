package io.warden.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.WardenException;
import io.warden.core.change.CheckResult;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.Principal;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.SyncStatus;
import io.warden.gitops.ChangeRequest.Status;
import io.warden.testing.GitCli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The pull-request experience end to end, driven by the real git command line over smart HTTP. */
@Timeout(180)
class GitFlowIT {

  private static final String FINANCE = "agents/reconciliation-finance.yaml";

  @TempDir Path dir;
  private Fixture f;
  private Inventory inventory;
  private GitHttpTestServer server;
  private GitCli git;
  private Path home;
  private IdentityService identity;
  private final Map<String, String> tokens = new HashMap<>();
  private UserPrincipal bob;
  private UserPrincipal carol;

  @BeforeEach
  void start() throws Exception {
    f = Fixture.open(dir.resolve("data"));
    inventory = Inventory.create();
    Reconciler reconciler = Reconciler.create(f.repo, inventory, List.of(), List.of(), f.audit, Clock.systemUTC());
    reconciler.reconcile();
    f.changes.addMergeListener(cr -> reconciler.reconcile());
    // Real identities and tokens: basic auth carries a token exactly as the integrator's server does.
    identity = IdentityService.create(f.store, f.audit, inventory, dir.resolve("data/signing.key"), Clock.systemUTC());
    Principal admin = identity.authenticate(identity.bootstrapAdmin().orElseThrow().secret());
    tokens.put("alice", identity.createUser(admin, "alice", Role.AUTHOR, Set.of()).secret());
    tokens.put("bob", identity.createUser(admin, "bob", Role.APPROVER, Set.of("platform")).secret());
    tokens.put("carol", identity.createUser(admin, "carol", Role.APPROVER, Set.of()).secret());
    tokens.put("vera", identity.createUser(admin, "vera", Role.VIEWER, Set.of()).secret());
    tokens.put("agent", identity.issueCredential(admin, "reconciliation-finance").secret());
    bob = (UserPrincipal) identity.authenticate(tokens.get("bob"));
    carol = (UserPrincipal) identity.authenticate(tokens.get("carol"));
    server = GitHttpTestServer.start(GitSmartHttp.create(f.repo, f.changes), identity::authenticate);
    home = Files.createDirectories(dir.resolve("home"));
    git = new GitCli(home);
  }

  @AfterEach
  void stop() {
    server.close();
    f.close();
  }

  private Path cloneAs(String user, String name) {
    git.run(dir, user, "clone", server.url(user, tokens.get(user)), name).ok();
    return dir.resolve(name);
  }

  private void edit(Path work, String path, String from, String to) throws Exception {
    Path file = work.resolve(path);
    String content = Files.readString(file, StandardCharsets.UTF_8);
    assertThat(content).contains(from);
    Files.writeString(file, content.replace(from, to), StandardCharsets.UTF_8);
  }

  @Test
  void pushReviewMerge_endToEnd() throws Exception {
    Path work = cloneAs("alice", "work");
    assertThat(Files.readString(work.resolve(FINANCE))).contains("name: reconciliation-finance");
    assertThat(git.run(work, "alice", "branch", "--show-current").ok().stdout().strip()).isEqualTo("main");
    assertThat(git.run(work, "alice", "ls-remote", "origin").ok().stdout())
        .contains("refs/heads/main").doesNotContain("refs/changes/");

    // main is protected.
    edit(work, FINANCE, "usd_per_day: 40", "usd_per_day: -5");
    git.run(work, "alice", "commit", "-qam", "Cut the budget").ok();
    String mainBefore = f.repo.mainCommit();
    GitCli.Result refused = git.run(work, "alice", "push", "origin", "main");
    assertThat(refused.exit()).isNotZero();
    assertThat(refused.stderr())
        .contains("remote: main is protected: push a branch instead, e.g. git push origin HEAD:refs/heads/my-change; then approve and merge the change request")
        .contains("[remote rejected] main -> main (main is protected; push a branch)");
    assertThat(f.repo.mainCommit()).isEqualTo(mainBefore);

    // A branch push opens a change request; the failed check is shown with file:line:col.
    GitCli.Result pushed = git.run(work, "alice", "push", "origin", "HEAD:refs/heads/cut-budget").ok();
    assertThat(pushed.stderr()).contains("remote: change request #1 opened for branch cut-budget: /api/v1/changes/1");
    assertThat(pushed.stderr()).containsPattern(Pattern.compile(
        "remote: change request #1: checks failed: agents/reconciliation-finance\\.yaml:20:\\d+: spec\\.budgets\\.usd_per_day: .+ \\(schema\\)"));
    assertThat(pushed.stderr()).contains("remote: change request #1: fix and push again: git push origin HEAD:cut-budget");
    ChangeRequest failing = f.changes.get("1");
    assertThat(failing.author()).isEqualTo("alice");
    assertThat(failing.blockers()).anySatisfy(b -> assertThat(b).startsWith("check 'schema' failed"));

    // Fix and push again: checks pass.
    edit(work, FINANCE, "usd_per_day: -5", "usd_per_day: 50");
    git.run(work, "alice", "commit", "-qam", "Raise the budget instead").ok();
    GitCli.Result fixed = git.run(work, "alice", "push", "origin", "HEAD:refs/heads/cut-budget").ok();
    assertThat(fixed.stderr()).contains("remote: change request #1 updated for branch cut-budget")
        .contains("remote: change request #1: all 4 checks passed")
        .contains("needs 1 approval from a user with role approver");

    // Approve (not the author) and merge; reconcile makes the agent SYNCED at the merge.
    ChangeRequest approved = f.changes.approve(bob, "1");
    assertThat(approved.blockers()).isEmpty();
    ChangeRequest merged = f.changes.merge(bob, "1");
    assertThat(merged.status()).isEqualTo(Status.MERGED);
    AgentState agent = inventory.get("reconciliation-finance").orElseThrow();
    assertThat(agent.status()).isEqualTo(SyncStatus.SYNCED);
    assertThat(agent.revision()).isEqualTo(f.repo.mainCommit()).isEqualTo(merged.mergeCommit());
    assertThat(agent.descriptor().spec().budgets().usdPerDay()).isEqualByComparingTo("50");

    // The author sees the merge with a plain pull.
    git.run(work, "alice", "pull", "-q", "origin", "main").ok();
    assertThat(git.run(work, "alice", "rev-parse", "origin/main").ok().stdout().strip()).isEqualTo(f.repo.mainCommit());
    assertThat(f.auditActions()).contains("git.push.refused", "git.push", "change.open", "change.update",
        "change.check", "change.approve", "change.merge", "reconcile.apply");
  }

  @Test
  void accessRules_viewerReadsOnlyAgentsNever() throws Exception {
    Path work = cloneAs("vera", "vera");
    commitFile(work, "vera", "tools/new.md");
    GitCli.Result push = git.run(work, "vera", "push", "origin", "HEAD:refs/heads/vera");
    assertThat(push.exit()).isNotZero();
    assertThat(push.stderr()).contains("403");

    GitCli.Result agent = git.run(dir, "agent", "clone", server.url("agent", tokens.get("agent")), "as-agent");
    assertThat(agent.exit()).isNotZero();
    assertThat(agent.stderr()).contains("403");

    GitCli.Result wrongToken = git.run(dir, "alice", "clone", server.url("alice", "nope"), "nope");
    assertThat(wrongToken.exit()).isNotZero();
    assertThat(f.changes.list(null)).isEmpty();
  }

  @Test
  void pushRefusals_tagsReservedBranchesAndUnsafeTrees() throws Exception {
    Path work = cloneAs("alice", "work");
    git.run(work, "alice", "tag", "v1").ok();
    GitCli.Result tag = git.run(work, "alice", "push", "origin", "v1");
    assertThat(tag.exit()).isNotZero();
    assertThat(tag.stderr()).contains("remote: only branches can be pushed: 'refs/tags/v1' is not under refs/heads/");

    commitFile(work, "alice", "tools/x.md");
    GitCli.Result reserved = git.run(work, "alice", "push", "origin", "HEAD:refs/heads/change/7");
    assertThat(reserved.exit()).isNotZero();
    assertThat(reserved.stderr()).contains("branch 'change/7' is reserved");

    // A tree with a .git entry, built by hand (git's porcelain would refuse to make one).
    String blob = git.run(work, "alice", "hash-object", "-w", "tools/x.md").ok().stdout().strip();
    String badTree = mktree(work, "100644 blob " + blob + "\t.git\n");
    String commit = git.run(work, "alice", "commit-tree", badTree, "-p", "HEAD", "-m", "evil").ok().stdout().strip();
    GitCli.Result evil = git.run(work, "alice", "push", "origin", commit + ":refs/heads/evil");
    assertThat(evil.exit()).isNotZero();
    assertThat(evil.stderr()).containsIgnoringCase(".git");
    assertThat(f.repo.refId("refs/heads/evil")).isEmpty();

    GitCli.Result deleteMain = git.run(work, "alice", "push", "origin", ":refs/heads/main");
    assertThat(deleteMain.exit()).isNotZero();
    assertThat(f.repo.refId("refs/heads/main")).isPresent();
    assertThat(f.changes.list(null)).isEmpty();
  }

  @Test
  void push_toBranchNamedHead_refused() throws Exception {
    Path work = cloneAs("alice", "work");
    commitFile(work, "alice", "tools/x.md");
    GitCli.Result head = git.run(work, "alice", "push", "origin", "HEAD:refs/heads/HEAD");
    assertThat(head.exit()).isNotZero();
    assertThat(head.stderr()).contains("remote: a branch cannot be named HEAD");
    assertThat(f.repo.refId("refs/heads/HEAD")).isEmpty();
    assertThat(f.changes.list(null)).isEmpty();
  }

  @Test
  void push_overMaxPushBytes_refusedNamingTheSettingAndNothingWritten() throws Exception {
    long limit = 1L << 20;
    try (GitHttpTestServer small = GitHttpTestServer.start(GitSmartHttp.create(f.repo, f.changes, limit),
        identity::authenticate)) {
      Path work = dir.resolve("big");
      git.run(dir, "alice", "clone", small.url("alice", tokens.get("alice")), "big").ok();
      // 3 MiB that does not compress, in files of 256 KiB: the pack is over the limit (git sends it
      // chunked), each object under it.
      java.util.Random random = new java.util.Random(7);
      for (int i = 0; i < 12; i++) {
        byte[] noise = new byte[256 << 10];
        random.nextBytes(noise);
        Files.write(work.resolve("tools/noise-" + i + ".bin"), noise);
      }
      git.run(work, "alice", "add", "tools").ok();
      git.run(work, "alice", "commit", "-qm", "Add noise").ok();
      String mainBefore = f.repo.mainCommit();

      GitCli.Result push = git.run(work, "alice", "push", "origin", "HEAD:refs/heads/noise");
      assertThat(push.exit()).isNotZero();
      assertThat(push.stderr()).contains("git.max_push_bytes").contains("over the limit of 1048576 bytes (1 MiB)");
      assertThat(f.repo.refId("refs/heads/noise")).isEmpty();
      assertThat(f.repo.mainCommit()).isEqualTo(mainBefore);
      assertThat(f.changes.list(null)).isEmpty();
      assertThat(f.auditActions()).contains("git.push.refused");

      // One file over the limit: refused by its size alone, also naming the setting.
      git.run(work, "alice", "reset", "-q", "--hard", "HEAD~1").ok();
      byte[] big = new byte[(1 << 20) + 4096];
      random.nextBytes(big);
      Files.write(work.resolve("tools/big.bin"), big);
      git.run(work, "alice", "add", "tools/big.bin").ok();
      git.run(work, "alice", "commit", "-qm", "Add one big file").ok();
      GitCli.Result bigPush = git.run(work, "alice", "push", "origin", "HEAD:refs/heads/big");
      assertThat(bigPush.exit()).isNotZero();
      assertThat(bigPush.stderr()).contains("git.max_push_bytes").contains("over the limit of 1048576 bytes for one object");
      assertThat(f.repo.refId("refs/heads/big")).isEmpty();

      // Under the limit the same server takes a push as before.
      git.run(work, "alice", "reset", "-q", "--hard", "HEAD~1").ok();
      commitFile(work, "alice", "tools/small.md");
      assertThat(git.run(work, "alice", "push", "origin", "HEAD:refs/heads/small").ok().stderr())
          .contains("change request #1 opened for branch small");
    }
  }

  private void commitFile(Path work, String user, String path) throws Exception {
    Files.writeString(work.resolve(path), "x\n");
    git.run(work, user, "add", path).ok();
    git.run(work, user, "commit", "-qm", "Add " + path).ok();
  }

  /** From main: a branch that sets the finance budget, pushed. */
  private void pushBudgetBranch(Path work, String branch, String usdPerDay) throws Exception {
    git.run(work, "alice", "switch", "-q", "main").ok();
    git.run(work, "alice", "switch", "-qc", branch).ok();
    edit(work, FINANCE, "usd_per_day: 40", "usd_per_day: " + usdPerDay);
    git.run(work, "alice", "commit", "-qam", "Budget " + usdPerDay).ok();
    git.run(work, "alice", "push", "-q", "origin", branch).ok();
  }

  private String mktree(Path work, String spec) throws Exception {
    Path input = home.resolve("mktree-input.txt");
    Files.writeString(input, spec);
    ProcessBuilder pb = new ProcessBuilder("git", "mktree").directory(work.toFile())
        .redirectInput(input.toFile());
    pb.environment().put("HOME", home.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor()).isZero();
    return out;
  }

  @Test
  void forcePush_updatesChangeRequestAndDropsApprovals() throws Exception {
    Path work = cloneAs("alice", "work");
    pushBudgetBranch(work, "budget", "45");
    ChangeRequest first = f.changes.approve(bob, "1");
    assertThat(first.approvals()).hasSize(1);

    edit(work, FINANCE, "usd_per_day: 45", "usd_per_day: 46");
    git.run(work, "alice", "commit", "-q", "--amend", "-am", "Budget 46").ok();
    GitCli.Result forced = git.run(work, "alice", "push", "--force", "origin", "budget").ok();
    assertThat(forced.stderr()).contains("(forced update)")
        .contains("remote: change request #1 updated for branch budget")
        .contains("1 earlier approval dropped");
    ChangeRequest updated = f.changes.get("1");
    assertThat(updated.headCommit()).isNotEqualTo(first.headCommit());
    assertThat(updated.approvals()).isEmpty();
    assertThat(updated.checkedHead()).isEqualTo(updated.headCommit());
    assertThat(updated.blockers()).singleElement().asString().startsWith("needs 1 approval");
    assertThat(f.repo.refId("refs/changes/1/head").orElseThrow().name()).isEqualTo(updated.headCommit());
    assertThat(f.changes.diff("1")).contains("+    usd_per_day: 46");

    // Deleting the branch closes its change request; the pin keeps its head for the record.
    GitCli.Result deleted = git.run(work, "alice", "push", "origin", ":budget").ok();
    assertThat(deleted.stderr()).contains("remote: change request #1 closed: its branch was deleted");
    assertThat(f.changes.get("1").status()).isEqualTo(Status.CLOSED);
    assertThat(f.changes.diff("1")).contains("+    usd_per_day: 46");
  }

  @Test
  void concurrentMerges_sameAgent_oneWinsOtherRecheckedThenRebased() throws Exception {
    Path work = cloneAs("alice", "work");
    pushBudgetBranch(work, "budget", "55");
    pushBudgetBranch(work, "budget-too", "65");
    f.changes.approve(bob, "1");
    f.changes.approve(bob, "2");

    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<Object>> merges = new ArrayList<>();
    for (String id : List.of("1", "2")) {
      merges.add(CompletableFuture.supplyAsync(() -> {
        try {
          go.await();
          return f.changes.merge(carol, id);
        } catch (WardenException e) {
          return e;
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    go.countDown();
    Object one = merges.get(0).get();
    Object two = merges.get(1).get();
    assertThat(List.of(one, two)).filteredOn(ChangeRequest.class::isInstance).hasSize(1);
    WardenException loser = (WardenException) (one instanceof WardenException ? one : two);
    String loserId = one instanceof WardenException ? "1" : "2";
    String loserBranch = loserId.equals("1") ? "budget" : "budget-too";
    assertThat(loser.code()).isEqualTo("conflict");
    assertThat(loser.getMessage()).startsWith("main moved since checks ran; checks were re-run against "
        + f.repo.mainCommit().substring(0, 10));
    ChangeRequest rechecked = f.changes.get(loserId);
    assertThat(rechecked.checkedAgainst()).isEqualTo(f.repo.mainCommit());
    CheckResult mergeCheck = rechecked.checks().get(0);
    assertThat(mergeCheck.status()).isEqualTo(CheckResult.Status.FAILED);
    assertThat(mergeCheck.summary()).contains("rebase on main");

    // The author rebases (resolving in favour of their value) and force-pushes; it merges.
    git.run(work, "alice", "fetch", "-q", "origin").ok();
    git.run(work, "alice", "switch", "-q", loserBranch).ok();
    String wanted = loserId.equals("1") ? "usd_per_day: 55" : "usd_per_day: 65";
    git.run(work, "alice", "reset", "-q", "--hard", "origin/main").ok();
    String current = Files.readString(work.resolve(FINANCE));
    Files.writeString(work.resolve(FINANCE), current.replaceAll("usd_per_day: \\d+", wanted));
    git.run(work, "alice", "commit", "-qam", "Rebased budget").ok();
    GitCli.Result rebased = git.run(work, "alice", "push", "--force", "origin", loserBranch).ok();
    assertThat(rebased.stderr()).contains("all 4 checks passed");
    f.changes.approve(bob, loserId);
    ChangeRequest merged = f.changes.merge(carol, loserId);
    assertThat(merged.mergeCommit()).isEqualTo(f.repo.mainCommit());
    assertThat(f.repo.snapshot("main").text(FINANCE).orElseThrow()).contains(wanted);
    assertThat(inventory.get("reconciliation-finance").orElseThrow().revision()).isEqualTo(f.repo.mainCommit());
  }
}
