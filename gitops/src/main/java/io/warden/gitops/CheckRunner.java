package io.warden.gitops;

import io.warden.core.Problem;
import io.warden.core.change.ChangeCheck;
import io.warden.core.change.CheckResult;
import io.warden.core.change.FileChange;
import io.warden.core.change.ProposedChange;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.change.RequiredApproval;
import io.warden.gitops.WardenRepository.MergeOutcome;
import io.warden.gitops.internal.Messages;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the checks of a change request's head on the tree {@code main} would hold after the merge.
 * Reads the repository only and writes nothing, so {@link ChangeRequests} calls it outside its write
 * lock: a slow check (OPA over HTTP, {@code opa check}/{@code opa test} subprocesses) holds up no
 * other change. Thread-safe.
 */
final class CheckRunner {

  /**
   * The outcome of one run: every check's result on {@code head} against {@code main}, the paths the
   * merge would change, and the approvals the checks demand (the default one included).
   */
  record Verdict(String head, String main, List<CheckResult> checks, List<FileChange> files,
      List<RequiredApproval> requiredApprovals) {
    Verdict {
      checks = List.copyOf(checks);
      files = List.copyOf(files);
      requiredApprovals = List.copyOf(requiredApprovals);
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(CheckRunner.class);

  private final WardenRepository repo;
  private final List<ChangeCheck> checks;

  CheckRunner(WardenRepository repo, List<ChangeCheck> checks) {
    this.repo = repo;
    this.checks = new CopyOnWriteArrayList<>(checks);
  }

  void add(ChangeCheck check) {
    checks.add(Objects.requireNonNull(check, "check"));
  }

  /** Evaluates the checks on {@code cr}'s head against {@code main}: the built-in merge check first. */
  Verdict evaluate(ChangeRequest cr, ObjectId main) {
    ObjectId head = ObjectId.fromString(cr.headCommit());
    ObjectId mainTree = repo.treeOf(main);
    MergeOutcome outcome = repo.mergeInMemory(main, head);
    List<CheckResult> results = new ArrayList<>();
    Set<RequiredApproval> required = new LinkedHashSet<>();
    required.add(ChangeRequests.DEFAULT_APPROVAL);
    List<FileChange> files;
    if (!outcome.clean()) {
      List<Problem> problems = outcome.conflicts().stream()
          .map(path -> Problem.ofFile(path, "changed both on main and in this change request")).toList();
      results.add(new CheckResult(ChangeRequests.MERGE_CHECK, CheckResult.Status.FAILED,
          Messages.mergeConflict(main.name()), problems, List.of()));
      files = repo.changes(mainTree, repo.treeOf(head));
    } else {
      boolean fastForward = repo.isAncestor(main, head);
      results.add(CheckResult.passed(ChangeRequests.MERGE_CHECK,
          (fastForward ? "fast-forwards main at " : "merges cleanly into main at ") + Messages.shortId(main.name())));
      files = repo.changes(mainTree, outcome.tree());
      ProposedChange proposed = new ProposedChange(cr.id(), cr.title(), cr.author(),
          RepoSnapshot.of(main.name(), repo.files(mainTree)),
          RepoSnapshot.of(head.name(), repo.files(outcome.tree())), files,
          cr.approvals().stream().filter(a -> a.headCommit().equals(cr.headCommit())).toList());
      for (ChangeCheck check : checks) {
        CheckResult result = run(check, proposed);
        results.add(result);
        required.addAll(result.requiredApprovals());
      }
    }
    return new Verdict(head.name(), main.name(), results, files, new ArrayList<>(required));
  }

  /**
   * True when the recorded results do not cover the head or the registered checks (a check was
   * added since); a failed merge check stands for all.
   */
  boolean stale(ChangeRequest cr) {
    if (!cr.checkedHead().equals(cr.headCommit())) {
      return true;
    }
    boolean mergeFailed = cr.checks().stream()
        .anyMatch(c -> c.check().equals(ChangeRequests.MERGE_CHECK) && !c.passed());
    if (mergeFailed) {
      return false;
    }
    Set<String> ran = new LinkedHashSet<>();
    cr.checks().forEach(c -> ran.add(c.check()));
    return checks.stream().anyMatch(c -> !ran.contains(c.name()));
  }

  private static CheckResult run(ChangeCheck check, ProposedChange proposed) {
    try {
      CheckResult result = check.run(proposed);
      return result != null ? result : CheckResult.error(check.name(), "check returned no result");
    } catch (Exception e) {
      LOG.warn("check {} failed to run on change request #{}", check.name(), proposed.id(), e);
      return CheckResult.error(check.name(), "check could not run: " + e.getMessage());
    }
  }
}
