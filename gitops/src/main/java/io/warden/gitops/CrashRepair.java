package io.warden.gitops;

import io.warden.core.audit.AuditLog;
import io.warden.gitops.ChangeRequest.Status;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repairs, at start, what a {@code kill -9} between a ref update and a record write left
 * inconsistent (each write is atomic on its own, the pair is not):
 * <ul>
 *   <li>a head already merged into {@code main} but recorded as open: marked merged;
 *   <li>a branch deleted but its change request open: closed;
 *   <li>a branch newer than its record: the record takes the branch head (pusher from the reflog);
 *   <li>a branch pushed but never recorded: its change request is opened (author from the reflog);
 *   <li>a missing or stale pin: re-pinned.
 * </ul>
 * Checks are not run here: {@link #repair()} returns the change requests whose head has no results
 * yet (repaired ones, and those a crash caught between recording a head and recording its checks),
 * and {@link ChangeRequests} runs them outside its lock.
 */
final class CrashRepair {
  private static final Logger LOG = LoggerFactory.getLogger(CrashRepair.class);
  private static final int MAX_FIRST_PARENTS = 10_000;

  private final WardenRepository repo;
  private final ChangeRecords records;
  private final ChangeRequests changes;
  private final AuditLog audit;
  private final Clock clock;

  CrashRepair(WardenRepository repo, ChangeRecords records, ChangeRequests changes, AuditLog audit, Clock clock) {
    this.repo = repo;
    this.records = records;
    this.changes = changes;
    this.audit = audit;
    this.clock = clock;
  }

  /** Repairs records and refs; call under the change-request lock. Returns what still needs checks. */
  List<ChangeRequest> repair() {
    ObjectId main = repo.mainId();
    for (ChangeRequest cr : records.loadAll().values()) {
      if (cr.status() != Status.OPEN) {
        continue;
      }
      try {
        repairOpen(cr, main);
      } catch (RuntimeException e) {
        LOG.warn("could not repair change request #{}", cr.id(), e);
      }
    }
    Map<String, ChangeRequest> all = records.loadAll();
    for (Map.Entry<String, ObjectId> ref : repo.refs(Constants.R_HEADS).entrySet()) {
      String branch = ref.getKey().substring(Constants.R_HEADS.length());
      String head = ref.getValue().name();
      boolean known = all.values().stream()
          .anyMatch(cr -> cr.branch().equals(branch) && (cr.status() == Status.OPEN || cr.headCommit().equals(head)));
      if (branch.equals(WardenRepository.MAIN_BRANCH) || known || repo.isAncestor(ref.getValue(), main)) {
        continue;
      }
      String mover = repo.lastMover(ref.getKey()).orElse(ChangeRequests.SYSTEM);
      LOG.info("opening the change request a crash left unrecorded for branch {}", branch);
      changes.recordHead(mover, "user:" + mover, branch, ref.getValue());
    }
    List<ChangeRequest> unchecked = new ArrayList<>();
    for (ChangeRequest cr : records.loadAll().values()) {
      if (cr.status() == Status.OPEN && !cr.checkedHead().equals(cr.headCommit())) {
        unchecked.add(cr);
      }
    }
    return unchecked;
  }

  private void repairOpen(ChangeRequest cr, ObjectId main) {
    ObjectId recorded = ObjectId.fromString(cr.headCommit());
    Optional<ObjectId> mergeCommit = findMerge(recorded, main);
    if (mergeCommit.isPresent()) {
      Draft draft = Draft.of(cr);
      draft.status = Status.MERGED;
      draft.mergeCommit = mergeCommit.get().name();
      draft.mergedBy = repo.lastMover(WardenRepository.MAIN_REF).orElse(ChangeRequests.SYSTEM);
      draft.updatedAt = clock.instant();
      records.save(draft.build());
      audit.append(ChangeRequests.SYSTEM, "change.merge", ChangeRequests.target(cr.id()),
          Map.of("merge_commit", draft.mergeCommit, "recovered", true));
      return;
    }
    String branchRef = Constants.R_HEADS + cr.branch();
    Optional<ObjectId> branchHead = repo.refId(branchRef);
    if (branchHead.isEmpty()) {
      changes.finishClosed(cr, ChangeRequests.SYSTEM, ChangeRequests.SYSTEM, "branch deleted");
    } else if (!branchHead.get().equals(recorded)) {
      String mover = repo.lastMover(branchRef).orElse(cr.author());
      changes.recordHead(mover, "user:" + mover, cr.branch(), branchHead.get());
    } else if (!repo.refId(ChangeRequests.pinRef(cr.id())).map(recorded::equals).orElse(false)) {
      changes.pin(cr);
    }
  }

  /** The commit on main's first-parent line that merged {@code head}, if one did. */
  private Optional<ObjectId> findMerge(ObjectId head, ObjectId main) {
    if (!repo.isAncestor(head, main)) {
      return Optional.empty();
    }
    ObjectId cursor = main;
    for (int i = 0; i < MAX_FIRST_PARENTS && cursor != null; i++) {
      RevCommit commit = repo.parse(cursor);
      if (commit.getId().equals(head)) {
        return Optional.of(commit.getId().copy());
      }
      for (int p = 1; p < commit.getParentCount(); p++) {
        if (commit.getParent(p).getId().equals(head)) {
          return Optional.of(commit.getId().copy());
        }
      }
      cursor = commit.getParentCount() == 0 ? null : commit.getParent(0).getId();
    }
    return Optional.empty();
  }
}
