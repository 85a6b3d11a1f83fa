package io.warden.gitops;

import io.warden.core.change.Approval;
import io.warden.core.change.CheckResult;
import io.warden.core.change.FileChange;
import io.warden.core.change.RequiredApproval;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A change request: a branch proposed for {@code main}, with the results of the checks on its head,
 * the approvals given to that head, and what it still needs before it can merge.
 *
 * @param id decimal id, stable forever ({@code 3} for change request #3)
 * @param title one line
 * @param author user name of whoever opened it
 * @param branch the branch without {@code refs/heads/} ({@code my-change}, {@code change/3})
 * @param baseCommit where the branch left {@code main} (merge base when the head was set)
 * @param headCommit the branch head the checks and approvals refer to
 * @param status open, merged or closed
 * @param createdAt when it was opened
 * @param updatedAt when anything last changed
 * @param files the paths that differ between {@code main} and the proposed tree, as last checked
 * @param checks the latest result of every check
 * @param checkedAgainst the {@code main} commit the checks were evaluated against
 * @param checkedHead the head commit the checks were evaluated on
 * @param approvals approvals given to {@link #headCommit()}; a new head drops them
 * @param requiredApprovals what must approve before merge (the default plus what checks demanded)
 * @param contributors users who set a head of this change (they may not approve it)
 * @param mergeCommit the commit {@code main} moved to when it merged, "" otherwise
 * @param mergedBy who merged it, "" otherwise
 * @param closedBy who closed it without merging, "" otherwise
 */
public record ChangeRequest(
    String id, String title, String author, String branch, String baseCommit, String headCommit,
    Status status, Instant createdAt, Instant updatedAt, List<FileChange> files,
    List<CheckResult> checks, String checkedAgainst, String checkedHead, List<Approval> approvals,
    List<RequiredApproval> requiredApprovals, List<String> contributors, String mergeCommit,
    String mergedBy, String closedBy) {

  public ChangeRequest {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(author, "author");
    Objects.requireNonNull(branch, "branch");
    Objects.requireNonNull(baseCommit, "baseCommit");
    Objects.requireNonNull(headCommit, "headCommit");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
    files = files == null ? List.of() : List.copyOf(files);
    checks = checks == null ? List.of() : List.copyOf(checks);
    checkedAgainst = checkedAgainst == null ? "" : checkedAgainst;
    checkedHead = checkedHead == null ? "" : checkedHead;
    approvals = approvals == null ? List.of() : List.copyOf(approvals);
    requiredApprovals = requiredApprovals == null ? List.of() : List.copyOf(requiredApprovals);
    contributors = contributors == null ? List.of() : List.copyOf(new LinkedHashSet<>(contributors));
    mergeCommit = mergeCommit == null ? "" : mergeCommit;
    mergedBy = mergedBy == null ? "" : mergedBy;
    closedBy = closedBy == null ? "" : closedBy;
  }

  public enum Status { OPEN, MERGED, CLOSED }

  /** The path of this change request in the HTTP API. */
  public String apiPath() {
    return "/api/v1/changes/" + id;
  }

  /**
   * What stops this change request from merging, judged on what is recorded (failed checks, checks
   * not run on the head, missing approvals), one human line each; empty when it may merge. Merge also
   * re-checks when {@code main} has moved since {@link #checkedAgainst()}.
   */
  public List<String> blockers() {
    List<String> out = new ArrayList<>();
    if (status != Status.OPEN) {
      out.add("change request #" + id + " is " + status.name().toLowerCase(java.util.Locale.ROOT));
      return out;
    }
    if (checks.isEmpty() || !checkedHead.equals(headCommit)) {
      out.add("checks have not run on head " + shortId(headCommit));
    }
    for (CheckResult check : checks) {
      if (!check.passed()) {
        out.add("check '" + check.check() + "' " + check.status().name().toLowerCase(java.util.Locale.ROOT)
            + ": " + check.summary());
      }
    }
    for (RequiredApproval required : requiredApprovals) {
      long have = approversFor(required).size();
      if (have < required.count()) {
        out.add("needs " + required.count() + " approval" + (required.count() == 1 ? "" : "s") + " from "
            + describe(required) + " who did not write it (has " + have + "): " + required.reason());
      }
    }
    return out;
  }

  /** Distinct users whose approval of the current head counts toward {@code required}. */
  public Set<String> approversFor(RequiredApproval required) {
    Set<String> users = new LinkedHashSet<>();
    for (Approval approval : approvals) {
      if (approval.headCommit().equals(headCommit)
          && !approval.user().equals(author)
          && !contributors.contains(approval.user())
          && approval.role().includes(required.role())
          && (required.team().isEmpty() || approval.teams().contains(required.team()))) {
        users.add(approval.user());
      }
    }
    return users;
  }

  static String describe(RequiredApproval required) {
    String who = "a user with role " + required.role().wireName();
    return required.team().isEmpty() ? who : who + " in team " + required.team();
  }

  static String shortId(String commit) {
    return commit.length() > 10 ? commit.substring(0, 10) : commit;
  }
}
