package io.warden.gitops;

import io.warden.core.change.Approval;
import io.warden.core.change.CheckResult;
import io.warden.core.change.FileChange;
import io.warden.core.change.RequiredApproval;
import io.warden.gitops.ChangeRequest.Status;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A mutable copy of a change request, for building the next version of its record. */
final class Draft {
  String id;
  String title;
  String author;
  String branch;
  String baseCommit;
  String headCommit;
  Status status;
  Instant createdAt;
  Instant updatedAt;
  List<FileChange> files = new ArrayList<>();
  List<CheckResult> checks = new ArrayList<>();
  String checkedAgainst = "";
  String checkedHead = "";
  List<Approval> approvals = new ArrayList<>();
  List<RequiredApproval> requiredApprovals = new ArrayList<>();
  Set<String> contributors = new LinkedHashSet<>();
  String mergeCommit = "";
  String mergedBy = "";
  String closedBy = "";

  static Draft opened(String id, String title, String author, String branch, String base, String head, Clock clock) {
    Draft d = new Draft();
    d.id = id;
    d.title = title;
    d.author = author;
    d.branch = branch;
    d.baseCommit = base;
    d.headCommit = head;
    d.status = Status.OPEN;
    d.createdAt = clock.instant();
    d.updatedAt = d.createdAt;
    d.contributors.add(author);
    return d;
  }

  static Draft of(ChangeRequest cr) {
    Draft d = new Draft();
    d.id = cr.id();
    d.title = cr.title();
    d.author = cr.author();
    d.branch = cr.branch();
    d.baseCommit = cr.baseCommit();
    d.headCommit = cr.headCommit();
    d.status = cr.status();
    d.createdAt = cr.createdAt();
    d.updatedAt = cr.updatedAt();
    d.files = new ArrayList<>(cr.files());
    d.checks = new ArrayList<>(cr.checks());
    d.checkedAgainst = cr.checkedAgainst();
    d.checkedHead = cr.checkedHead();
    d.approvals = new ArrayList<>(cr.approvals());
    d.requiredApprovals = new ArrayList<>(cr.requiredApprovals());
    d.contributors = new LinkedHashSet<>(cr.contributors());
    d.mergeCommit = cr.mergeCommit();
    d.mergedBy = cr.mergedBy();
    d.closedBy = cr.closedBy();
    return d;
  }

  /** Takes the results of a check run (made on {@link CheckRunner.Verdict#head()}). */
  Draft apply(CheckRunner.Verdict verdict) {
    files = new ArrayList<>(verdict.files());
    checks = new ArrayList<>(verdict.checks());
    checkedAgainst = verdict.main();
    checkedHead = verdict.head();
    requiredApprovals = new ArrayList<>(verdict.requiredApprovals());
    return this;
  }

  ChangeRequest build() {
    return new ChangeRequest(id, title, author, branch, baseCommit, headCommit, status, createdAt, updatedAt,
        files, checks, checkedAgainst, checkedHead, approvals, requiredApprovals, List.copyOf(contributors),
        mergeCommit, mergedBy, closedBy);
  }
}
