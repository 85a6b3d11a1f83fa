package io.warden.gitops;

import io.warden.core.Problem;
import io.warden.core.WardenException;
import io.warden.core.audit.AuditLog;
import io.warden.core.change.Approval;
import io.warden.core.change.ChangeCheck;
import io.warden.core.change.CheckResult;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.change.RequiredApproval;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.store.StateStore;
import io.warden.gitops.ChangeRequest.Status;
import io.warden.gitops.WardenRepository.MergeOutcome;
import io.warden.gitops.check.CrossFileCheck;
import io.warden.gitops.check.LayoutCheck;
import io.warden.gitops.check.SchemaCheck;
import io.warden.gitops.internal.Messages;
import io.warden.gitops.internal.PathRules;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Change requests: the pull-request experience of Warden's repository. A change request is a branch
 * proposed for {@code main}; every new head runs the checks on the tree {@code main} would hold after
 * the merge, approvals bind to that head, and merge moves {@code main} with a compare-and-set once
 * every check passed against the current {@code main} and the required approvals are there.
 *
 * <p>Storage: the branch and a pin ref {@code refs/changes/<id>/head} live in Git (so the objects
 * survive gc and deleted branches); the metadata (checks, approvals, status) is one JSON record per
 * change in the {@link StateStore} table {@value #TABLE} ({@link ChangeRecords}). Each write is
 * atomic on its own; on {@link #create} {@link CrashRepair} repairs any mismatch a crash left between
 * them (a branch newer than its record re-runs the checks, a merged head is marked merged, a missing
 * pin is re-pinned).
 *
 * <p>Writes (id allocation, head updates, approvals, merges) are serialised by one lock; the checks
 * ({@link CheckRunner}: OPA over HTTP, {@code opa check}/{@code opa test} subprocesses) run outside
 * it, and their results are recorded under it only if the change's head did not move meanwhile
 * (otherwise they are discarded: the run for the new head records its own). A merge re-validates the
 * head, the branch and {@code main} under the lock. Every operation is audited and is refused whole
 * with a {@link WardenException} ({@code invalid_input}, {@code forbidden}, {@code not_found},
 * {@code conflict}). Thread-safe.
 */
public final class ChangeRequests {

  /** State store table holding one JSON {@link ChangeRequest} per id. */
  public static final String TABLE = "changes";

  /** Prefix of the refs that pin each change's head: {@code refs/changes/<id>/head}. */
  public static final String PIN_PREFIX = "refs/changes/";

  /** Branches made for change requests opened through the API: {@code change/<id>}. */
  public static final String API_BRANCH_PREFIX = "change/";

  /** Name of the built-in check that the change merges cleanly into {@code main}. */
  public static final String MERGE_CHECK = "merge";

  /** Longest title accepted: {@value} characters. */
  public static final int MAX_TITLE_LENGTH = 200;

  /** Every change needs this, whatever the checks add. */
  public static final RequiredApproval DEFAULT_APPROVAL = new RequiredApproval(
      Role.APPROVER, "", 1, "every change needs one approver who did not write it");

  static final String SYSTEM = "system";

  private static final Logger LOG = LoggerFactory.getLogger(ChangeRequests.class);
  /** A merge whose change or main keeps moving while its checks run gives up after this many rounds. */
  private static final int MAX_MERGE_ROUNDS = 3;

  private final WardenRepository repo;
  private final ChangeRecords records;
  private final CheckRunner runner;
  private final AuditLog audit;
  private final Clock clock;
  private final List<Consumer<ChangeRequest>> mergeListeners = new CopyOnWriteArrayList<>();
  // One lock for every write: id allocation, head updates, approvals and merges never interleave.
  // Never held while checks run.
  private final ReentrantLock lock = new ReentrantLock();
  // Check runs are numbered as they start; a result older than the one recorded is dropped.
  private final AtomicLong checkRuns = new AtomicLong();
  private final Map<String, Long> lastRecordedRun = new ConcurrentHashMap<>();

  private ChangeRequests(WardenRepository repo, StateStore store, AuditLog audit, List<ChangeCheck> checks, Clock clock) {
    this.repo = repo;
    this.records = new ChangeRecords(store, repo);
    this.runner = new CheckRunner(repo, checks);
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * Creates the change-request service for {@code repo} (exactly one per repository, so merges are
   * serialised) and repairs what a crash may have left half-done.
   */
  public static ChangeRequests create(
      WardenRepository repo, StateStore store, AuditLog audit, List<ChangeCheck> checks, Clock clock) {
    Objects.requireNonNull(repo, "repo");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(audit, "audit");
    Objects.requireNonNull(checks, "checks");
    Objects.requireNonNull(clock, "clock");
    repo.claimForChangeRequests();
    ChangeRequests changes = new ChangeRequests(repo, store, audit, checks, clock);
    changes.recover();
    return changes;
  }

  /** The checks gitops provides: repository layout, descriptor schema, cross-file references. */
  public static List<ChangeCheck> defaultChecks() {
    return List.of(LayoutCheck.create(), SchemaCheck.create(), CrossFileCheck.create());
  }

  /** Adds a check (e.g. OPA admission); it runs on every head set from now on, and before merge. */
  public void addCheck(ChangeCheck check) {
    runner.add(check);
  }

  /** Called after every merge, once {@code main} moved (e.g. to reconcile). Failures are logged. */
  public void addMergeListener(Consumer<ChangeRequest> listener) {
    mergeListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  // ---------------------------------------------------------------- reads

  /** Change requests with {@code filter} status (all when null), by id. */
  public List<ChangeRequest> list(Status filter) {
    return records.loadAll().values().stream()
        .filter(cr -> filter == null || cr.status() == filter)
        .sorted(Comparator.comparingLong(cr -> Long.parseLong(cr.id())))
        .toList();
  }

  /** One change request; {@code not_found} when there is none with this id. */
  public ChangeRequest get(String id) {
    return records.get(id);
  }

  /** Unified diff of what the change request changes: from where it left main to its head. */
  public String diff(String id) {
    ChangeRequest cr = get(id);
    ObjectId head = ObjectId.fromString(cr.headCommit());
    ObjectId base = cr.status() == Status.OPEN
        ? repo.mergeBase(repo.mainId(), head).orElse(ObjectId.fromString(cr.baseCommit()))
        : ObjectId.fromString(cr.baseCommit());
    return repo.diffTrees(repo.treeOf(base), repo.treeOf(head));
  }

  /** The open change request for a branch, if any. */
  public Optional<ChangeRequest> openFor(String branch) {
    String name = shortBranch(branch);
    return records.loadAll().values().stream()
        .filter(cr -> cr.status() == Status.OPEN && cr.branch().equals(name))
        .findFirst();
  }

  // ---------------------------------------------------------------- writes

  /**
   * Opens a change request from file contents (the REST and console path): a branch
   * {@code change/<id>} with one commit on top of {@code main} that writes {@code upserts} and
   * removes {@code deletes}, then runs the checks.
   */
  public ChangeRequest openFromFiles(
      UserPrincipal author, String title, Map<String, byte[]> upserts, Set<String> deletes) {
    requireRole(author, Role.AUTHOR, "opening a change request");
    String cleanTitle = validTitle(title);
    Map<String, byte[]> files = upserts == null ? Map.of() : upserts;
    Set<String> removed = deletes == null ? Set.of() : deletes;
    if (files.isEmpty() && removed.isEmpty()) {
      throw WardenException.invalid("a change request needs at least one file to add, change or delete");
    }
    List<Problem> problems = new ArrayList<>();
    for (Map.Entry<String, byte[]> file : new TreeMap<>(files).entrySet()) {
      PathRules.problem(file.getKey()).ifPresent(m -> problems.add(Problem.ofFile(file.getKey(), m)));
      if (file.getValue() == null) {
        problems.add(Problem.ofFile(file.getKey(), "file content is missing"));
      } else {
        PathRules.sizeProblem(file.getValue().length).ifPresent(m -> problems.add(Problem.ofFile(file.getKey(), m)));
      }
    }
    for (String path : new TreeMap<String, String>(toMap(removed)).keySet()) {
      PathRules.problem(path).ifPresent(m -> problems.add(Problem.ofFile(path, m)));
      if (files.containsKey(path)) {
        problems.add(Problem.ofFile(path, "path is both written and deleted: choose one"));
      }
    }
    refuseIfAny(problems);

    ChangeRequest opened = locked(() -> {
      ObjectId main = repo.mainId();
      ObjectId mainTree = repo.treeOf(main);
      RepoSnapshot current = RepoSnapshot.of(main.name(), repo.files(mainTree));
      for (String path : new TreeMap<String, String>(toMap(removed)).keySet()) {
        if (!current.files().containsKey(path)) {
          problems.add(Problem.ofFile(path, "cannot delete: there is no such file on main"));
        }
      }
      refuseIfAny(problems);
      boolean writesSomething = files.entrySet().stream()
          .anyMatch(f -> !java.util.Arrays.equals(current.files().get(f.getKey()), f.getValue()));
      if (!writesSomething && removed.isEmpty()) {
        throw WardenException.invalid("nothing to change: every file already has this content on main");
      }
      String id = records.nextId();
      PersonIdent who = WardenRepository.ident(author.name());
      ObjectId tree = repo.editTree(mainTree, files, removed);
      ObjectId commit = repo.commit(tree, List.of(main), who, who, cleanTitle + "\n");
      String branch = API_BRANCH_PREFIX + id;
      if (!repo.compareAndSet(Constants.R_HEADS + branch, null, commit, who, "change request #" + id + " opened")) {
        throw WardenException.conflict("branch " + branch + " already exists: delete it or ask an admin to");
      }
      Draft draft = Draft.opened(id, cleanTitle, author.name(), branch, main.name(), commit.name(), clock);
      return saveHead(draft, author.subject(), "change.open", 0);
    });
    return check(opened, author.subject());
  }

  /**
   * A branch was pushed (called by the receive hook after the ref moved): opens its change request or
   * updates the open one with the new head, re-running the checks and dropping earlier approvals.
   * Empty when the branch holds nothing that is not on {@code main} (an open change request for it is
   * then closed).
   */
  public Optional<ChangeRequest> onBranchPushed(UserPrincipal pusher, String branch, ObjectId newHead) {
    requireRole(pusher, Role.AUTHOR, "pushing a branch");
    Objects.requireNonNull(newHead, "newHead");
    String name = shortBranch(branch);
    if (name.equals(WardenRepository.MAIN_BRANCH)) {
      throw WardenException.forbidden(Messages.MAIN_PROTECTED);
    }
    if (name.equals(Constants.HEAD)) {
      throw WardenException.forbidden(Messages.HEAD_BRANCH);
    }
    return locked(() -> recordHead(pusher.name(), pusher.subject(), name, newHead.copy()))
        .map(cr -> checkIfUnchecked(cr, pusher.subject()));
  }

  /** A branch was deleted by a push: its open change request, if any, is closed. */
  public Optional<ChangeRequest> onBranchDeleted(UserPrincipal pusher, String branch) {
    requireRole(pusher, Role.AUTHOR, "deleting a branch");
    String name = shortBranch(branch);
    return locked(() -> openFor(name).map(cr -> finishClosed(cr, pusher.name(), pusher.subject(), "branch deleted")));
  }

  /** Approves the current head. Needs role approver; the author and contributors may not approve. */
  public ChangeRequest approve(UserPrincipal approver, String id) {
    requireRole(approver, Role.APPROVER, "approving a change request");
    return locked(() -> {
      ChangeRequest cr = requireOpen(get(id), "approved");
      if (approver.name().equals(cr.author())) {
        throw WardenException.forbidden("you wrote change request #" + id
            + ": an approver who is not its author must approve it");
      }
      if (cr.contributors().contains(approver.name())) {
        throw WardenException.forbidden("you pushed commits to change request #" + id
            + ": an approver who did not change it must approve it");
      }
      boolean already = cr.approvals().stream()
          .anyMatch(a -> a.user().equals(approver.name()) && a.headCommit().equals(cr.headCommit()));
      if (already) {
        return cr;
      }
      Draft draft = Draft.of(cr);
      draft.approvals.add(new Approval(approver.name(), approver.role(), approver.teams(), cr.headCommit(), clock.instant()));
      draft.updatedAt = clock.instant();
      ChangeRequest approved = records.save(draft.build());
      audit.append(approver.subject(), "change.approve", target(id), Map.of("head", cr.headCommit()));
      return approved;
    });
  }

  /**
   * Merges into {@code main}: a fast-forward when {@code main} has not moved since the branch left it,
   * otherwise a merge commit (author: the change's author; committer: {@code actor}). Refused with
   * {@code conflict} listing what is missing unless every check passed on the head against the
   * current {@code main} and the required approvals are present. When {@code main} moved since the
   * checks ran, they are re-run against the new {@code main} and the merge answers {@code conflict}.
   */
  public ChangeRequest merge(UserPrincipal actor, String id) {
    requireRole(actor, Role.APPROVER, "merging a change request");
    ChangeRequest merged = null;
    for (int round = 1; merged == null; round++) {
      ChangeRequest cr = requireOpen(get(id), "merged");
      Optional<ObjectId> branchHead = repo.refId(Constants.R_HEADS + cr.branch());
      if (branchHead.isPresent() && !branchHead.get().name().equals(cr.headCommit())) {
        // The branch moved without the change request seeing it (a crash between the two writes).
        String mover = repo.lastMover(Constants.R_HEADS + cr.branch()).orElse(cr.author());
        ObjectId moved = branchHead.get();
        locked(() -> recordHead(mover, "user:" + mover, cr.branch(), moved))
            .ifPresent(c -> checkIfUnchecked(c, "user:" + mover));
        throw WardenException.conflict("branch " + cr.branch() + " moved to " + Messages.shortId(moved.name())
            + " since change request #" + id + " was last checked; checks were re-run: review and merge again");
      }
      ObjectId main = repo.mainId();
      boolean mainMoved = !cr.checkedAgainst().equals(main.name());
      if (mainMoved || runner.stale(cr)) {
        ChangeRequest checked = check(cr, actor.subject());
        if (mainMoved) {
          audit.append(actor.subject(), "change.merge.refused", target(id),
              Map.of("reason", "main moved", "main", main.name()));
          throw new WardenException("conflict", Messages.mainMoved(main.name(), checked.blockers().isEmpty()),
              problemsOf(checked));
        }
      }
      merged = locked(() -> mergeChecked(actor, id));
      if (merged == null && round >= MAX_MERGE_ROUNDS) {
        throw WardenException.conflict("change request #" + id + " or main kept moving while its checks ran: merge again");
      }
    }
    for (Consumer<ChangeRequest> listener : mergeListeners) {
      try {
        listener.accept(merged);
      } catch (RuntimeException e) {
        LOG.warn("merge listener failed after change request #{} merged", id, e);
      }
    }
    return merged;
  }

  /** Closes without merging. The author may close their own; others need role approver. */
  public ChangeRequest close(UserPrincipal actor, String id) {
    requireRole(actor, Role.AUTHOR, "closing a change request");
    return locked(() -> {
      ChangeRequest cr = requireOpen(get(id), "closed");
      if (!actor.name().equals(cr.author()) && !actor.has(Role.APPROVER)) {
        throw WardenException.forbidden("only the author of change request #" + id
            + " or a user with role approver may close it; you have role " + actor.role().wireName());
      }
      return finishClosed(cr, actor.name(), actor.subject(), "closed");
    });
  }

  /**
   * Runs the checks again on the current head against the current {@code main}: for a check that
   * errored (the policy engine was down) or to pick up a new {@code main}. The author, or any
   * approver, may; approvals stay (the head did not change).
   */
  public ChangeRequest recheck(UserPrincipal actor, String id) {
    requireRole(actor, Role.AUTHOR, "re-running the checks of a change request");
    ChangeRequest cr = requireOpen(get(id), "re-checked");
    if (!actor.name().equals(cr.author()) && !actor.has(Role.APPROVER)) {
      throw WardenException.forbidden("only the author of change request #" + id
          + " or a user with role approver may re-run its checks; you have role " + actor.role().wireName());
    }
    audit.append(actor.subject(), "change.recheck", target(id), Map.of("head", cr.headCommit()));
    return check(cr, actor.subject());
  }

  /**
   * Re-runs the checks of every open change request that has a check in error (one that could not
   * run, e.g. while the policy engine was down); call when what they need is back. Returns how many
   * were re-run. Failures are logged and do not stop the others.
   */
  public int recheckErrored() {
    int rerun = 0;
    for (ChangeRequest cr : list(Status.OPEN)) {
      if (cr.checks().stream().noneMatch(c -> c.status() == CheckResult.Status.ERROR)) {
        continue;
      }
      try {
        audit.append(SYSTEM, "change.recheck", target(cr.id()),
            Map.of("head", cr.headCommit(), "reason", "a check had errored"));
        check(cr, SYSTEM);
        rerun++;
      } catch (RuntimeException e) {
        LOG.warn("could not re-run the checks of change request #{}", cr.id(), e);
      }
    }
    return rerun;
  }

  // ---------------------------------------------------------------- internals

  /**
   * The branch now points at {@code head}: opens, updates or closes its change request (under the
   * lock; checks are not run). Empty when the branch holds nothing that is not on {@code main}.
   */
  Optional<ChangeRequest> recordHead(String user, String subject, String branch, ObjectId head) {
    ObjectId main = repo.mainId();
    Optional<ChangeRequest> open = openFor(branch);
    if (repo.isAncestor(head, main)) {
      open.ifPresent(cr -> finishClosed(cr, user, subject, "branch holds nothing that is not on main"));
      return Optional.empty();
    }
    if (open.isPresent()) {
      ChangeRequest cr = open.get();
      if (cr.headCommit().equals(head.name())) {
        return open;
      }
      Draft draft = Draft.of(cr);
      int dropped = draft.approvals.size();
      draft.headCommit = head.name();
      draft.baseCommit = repo.mergeBase(main, head).map(ObjectId::name).orElse(main.name());
      draft.approvals.clear();
      draft.contributors.add(user);
      return Optional.of(saveHead(draft, subject, "change.update", dropped));
    }
    String id = records.nextId();
    RevCommit commit = repo.parse(head);
    String title = commit.getShortMessage().isBlank() ? "branch " + branch : truncate(commit.getShortMessage());
    String base = repo.mergeBase(main, head).map(ObjectId::name).orElse(main.name());
    Draft draft = Draft.opened(id, title, user, branch, base, head.name(), clock);
    return Optional.of(saveHead(draft, subject, "change.open", 0));
  }

  /** Writes the record with its new head and pins the head; its checks run next, outside the lock. */
  private ChangeRequest saveHead(Draft draft, String actor, String action, int droppedApprovals) {
    draft.updatedAt = clock.instant();
    ChangeRequest cr = records.save(draft.build());
    pin(cr);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("branch", cr.branch());
    details.put("head", cr.headCommit());
    details.put("title", cr.title());
    if (droppedApprovals > 0) {
      details.put("dropped_approvals", droppedApprovals);
    }
    audit.append(actor, action, target(cr.id()), details);
    return cr;
  }

  /** {@link #check} unless the head already has results. */
  private ChangeRequest checkIfUnchecked(ChangeRequest cr, String actor) {
    return cr.status() == Status.OPEN && !cr.checkedHead().equals(cr.headCommit()) ? check(cr, actor) : cr;
  }

  /**
   * Runs the checks on {@code cr}'s head against the current {@code main} outside the write lock (a
   * slow check holds up no other change), then records them under it, re-validated: a result for a
   * head that is no longer the change's head, or older than one already recorded, is discarded (the
   * run for the newer head records its own). Returns the record as it then stands.
   */
  private ChangeRequest check(ChangeRequest cr, String actor) {
    long run = checkRuns.incrementAndGet();
    CheckRunner.Verdict verdict = runner.evaluate(cr, repo.mainId());
    return locked(() -> {
      ChangeRequest now = records.get(cr.id());
      if (now.status() != Status.OPEN || !now.headCommit().equals(verdict.head())) {
        LOG.info("change request #{}: discarding check results for {}: its head moved to {} while they ran",
            cr.id(), Messages.shortId(verdict.head()), Messages.shortId(now.headCommit()));
        return now;
      }
      if (lastRecordedRun.getOrDefault(cr.id(), 0L) > run) {
        return now;
      }
      lastRecordedRun.put(cr.id(), run);
      Draft draft = Draft.of(now).apply(verdict);
      draft.updatedAt = clock.instant();
      ChangeRequest checked = records.save(draft.build());
      auditChecks(actor, checked);
      return checked;
    });
  }

  /**
   * The merge itself, under the lock, of a change whose checks just ran: null when its head, its
   * branch or {@code main} moved since (the caller goes round again).
   */
  private ChangeRequest mergeChecked(UserPrincipal actor, String id) {
    ChangeRequest cr = requireOpen(get(id), "merged");
    ObjectId main = repo.mainId();
    boolean branchMoved = repo.refId(Constants.R_HEADS + cr.branch())
        .map(b -> !b.name().equals(cr.headCommit())).orElse(false);
    if (branchMoved || !cr.checkedAgainst().equals(main.name()) || runner.stale(cr)) {
      return null;
    }
    List<String> blockers = cr.blockers();
    if (!blockers.isEmpty()) {
      audit.append(actor.subject(), "change.merge.refused", target(id), Map.of("reason", String.join("; ", blockers)));
      throw new WardenException("conflict",
          "change request #" + id + " cannot merge yet: " + String.join("; ", blockers), problemsOf(cr));
    }
    ObjectId head = ObjectId.fromString(cr.headCommit());
    boolean fastForward = repo.isAncestor(main, head);
    ObjectId newMain;
    if (fastForward) {
      newMain = head;
    } else {
      MergeOutcome outcome = repo.mergeInMemory(main, head);
      if (!outcome.clean()) {
        throw WardenException.conflict(Messages.mergeConflict(main.name()));
      }
      newMain = repo.commit(outcome.tree(), List.of(main, head), WardenRepository.ident(cr.author()),
          WardenRepository.ident(actor.name()), mergeMessage(cr, actor));
    }
    if (!repo.compareAndSet(WardenRepository.MAIN_REF, main, newMain, WardenRepository.ident(actor.name()),
        "merge change request #" + id)) {
      throw WardenException.conflict("main moved while merging change request #" + id + ": merge again");
    }
    Draft draft = Draft.of(cr);
    draft.status = Status.MERGED;
    draft.mergeCommit = newMain.name();
    draft.mergedBy = actor.name();
    draft.updatedAt = clock.instant();
    ChangeRequest done = records.save(draft.build());
    lastRecordedRun.remove(id);
    audit.append(actor.subject(), "change.merge", target(id), Map.of(
        "head", cr.headCommit(), "merge_commit", newMain.name(), "fast_forward", fastForward,
        "approvals", cr.approvals().stream().map(Approval::user).toList()));
    return done;
  }

  ChangeRequest finishClosed(ChangeRequest cr, String user, String subject, String reason) {
    Draft draft = Draft.of(cr);
    draft.status = Status.CLOSED;
    draft.closedBy = user;
    draft.updatedAt = clock.instant();
    ChangeRequest closed = records.save(draft.build());
    lastRecordedRun.remove(cr.id());
    audit.append(subject, "change.close", target(cr.id()), Map.of("reason", reason, "head", cr.headCommit()));
    return closed;
  }

  private void auditChecks(String actor, ChangeRequest cr) {
    Map<String, Object> results = new LinkedHashMap<>();
    for (CheckResult check : cr.checks()) {
      results.put(check.check(), Messages.lower(check.status()) + ": " + check.summary());
    }
    audit.append(actor, "change.check", target(cr.id()),
        Map.of("head", cr.headCommit(), "main", cr.checkedAgainst(), "results", results));
  }

  /** Repairs what a crash left inconsistent, then runs the checks of every head that has none. */
  private void recover() {
    List<ChangeRequest> unchecked = locked(() -> new CrashRepair(repo, records, this, audit, clock).repair());
    for (ChangeRequest cr : unchecked) {
      try {
        String mover = cr.contributors().isEmpty() ? cr.author() : cr.contributors().get(cr.contributors().size() - 1);
        check(cr, "user:" + mover);
      } catch (RuntimeException e) {
        LOG.warn("could not run the checks of change request #{}", cr.id(), e);
      }
    }
  }

  void pin(ChangeRequest cr) {
    String ref = pinRef(cr.id());
    ObjectId current = repo.refId(ref).orElse(null);
    ObjectId head = ObjectId.fromString(cr.headCommit());
    if (!head.equals(current)
        && !repo.compareAndSet(ref, current, head, WardenRepository.ident(cr.author()), "pin change request #" + cr.id())) {
      LOG.warn("could not pin the head of change request #{}; it is re-pinned at the next start", cr.id());
    }
  }

  static String pinRef(String id) {
    return PIN_PREFIX + id + "/head";
  }

  private <T> T locked(Supplier<T> work) {
    lock.lock();
    try {
      return work.get();
    } finally {
      lock.unlock();
    }
  }

  private static ChangeRequest requireOpen(ChangeRequest cr, String verb) {
    if (cr.status() != Status.OPEN) {
      throw WardenException.conflict("change request #" + cr.id() + " is " + Messages.lower(cr.status())
          + ": only open change requests can be " + verb);
    }
    return cr;
  }

  private static void requireRole(UserPrincipal user, Role role, String what) {
    Objects.requireNonNull(user, "user");
    if (!user.has(role)) {
      throw WardenException.forbidden(what + " needs role " + role.wireName() + " or higher; user '"
          + user.name() + "' has role " + user.role().wireName());
    }
  }

  private static void refuseIfAny(List<Problem> problems) {
    if (!problems.isEmpty()) {
      String first = problems.get(0).toString();
      throw new WardenException("invalid_input", problems.size() == 1
          ? "change refused, nothing was written: " + first
          : "change refused, nothing was written: " + problems.size() + " problems, first: " + first, problems);
    }
  }

  private static String validTitle(String title) {
    if (title == null || title.isBlank()) {
      throw WardenException.invalid("title must not be empty: say in one line what the change does");
    }
    String t = title.strip();
    if (t.contains("\n") || t.contains("\r")) {
      throw WardenException.invalid("title must be one line; put details in the files or the commit message");
    }
    if (t.length() > MAX_TITLE_LENGTH) {
      throw WardenException.invalid("title is " + t.length() + " characters: at most " + MAX_TITLE_LENGTH + " are allowed");
    }
    return t;
  }

  private static List<Problem> problemsOf(ChangeRequest cr) {
    List<Problem> out = new ArrayList<>();
    cr.checks().forEach(c -> out.addAll(c.problems()));
    return out;
  }

  private static String mergeMessage(ChangeRequest cr, UserPrincipal actor) {
    StringBuilder sb = new StringBuilder("Merge change request #").append(cr.id()).append(": ").append(cr.title())
        .append("\n\nBranch: ").append(cr.branch()).append('\n');
    cr.approvals().stream().map(Approval::user).distinct().forEach(u -> sb.append("Approved-by: ").append(u).append('\n'));
    return sb.append("Merged-by: ").append(actor.name()).append('\n').toString();
  }

  static String shortBranch(String branch) {
    Objects.requireNonNull(branch, "branch");
    return branch.startsWith(Constants.R_HEADS) ? branch.substring(Constants.R_HEADS.length()) : branch;
  }

  static String target(String id) {
    return "change/" + id;
  }

  private static String truncate(String title) {
    return title.length() <= MAX_TITLE_LENGTH ? title : title.substring(0, MAX_TITLE_LENGTH - 3) + "...";
  }

  private static Map<String, String> toMap(Set<String> paths) {
    Map<String, String> out = new TreeMap<>();
    for (String p : paths) {
      out.put(Objects.requireNonNull(p, "deleted path"), p);
    }
    return out;
  }
}
