package io.warden.gitops;

import io.warden.core.Problem;
import io.warden.core.WardenException;
import io.warden.core.audit.AuditLog;
import io.warden.core.change.Approval;
import io.warden.core.change.ChangeCheck;
import io.warden.core.change.CheckResult;
import io.warden.core.change.FileChange;
import io.warden.core.change.ProposedChange;
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
import io.warden.gitops.internal.Json;
import io.warden.gitops.internal.Messages;
import io.warden.gitops.internal.PathRules;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * change in the {@link StateStore} table {@value #TABLE}. Each write is atomic on its own; on
 * {@link #create} any mismatch a crash left between them is repaired (a branch newer than its record
 * re-runs the checks, a merged head is marked merged, a missing pin is re-pinned).
 *
 * <p>Every operation is audited and is refused whole with a {@link WardenException}
 * ({@code invalid_input}, {@code forbidden}, {@code not_found}, {@code conflict}). Writes are
 * serialised, which makes id allocation and merges race-free. Thread-safe.
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

  private static final Logger LOG = LoggerFactory.getLogger(ChangeRequests.class);
  private static final String SEQ_TABLE = "changes_seq";
  private static final String SEQ_KEY = "next";
  private static final String SYSTEM = "system";

  private final WardenRepository repo;
  private final StateStore store;
  private final AuditLog audit;
  private final List<ChangeCheck> checks;
  private final Clock clock;
  private final List<Consumer<ChangeRequest>> mergeListeners = new CopyOnWriteArrayList<>();
  // One lock for every write: id allocation, head updates, approvals and merges never interleave.
  private final ReentrantLock lock = new ReentrantLock();

  private ChangeRequests(WardenRepository repo, StateStore store, AuditLog audit, List<ChangeCheck> checks, Clock clock) {
    this.repo = repo;
    this.store = store;
    this.audit = audit;
    this.checks = new CopyOnWriteArrayList<>(checks);
    this.clock = clock;
  }

  /**
   * Creates the change-request service for {@code repo} (one per repository) and repairs what a crash
   * may have left half-done.
   */
  public static ChangeRequests create(
      WardenRepository repo, StateStore store, AuditLog audit, List<ChangeCheck> checks, Clock clock) {
    Objects.requireNonNull(repo, "repo");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(audit, "audit");
    Objects.requireNonNull(checks, "checks");
    Objects.requireNonNull(clock, "clock");
    ChangeRequests changes = new ChangeRequests(repo, store, audit, checks, clock);
    repo.attach(changes);
    changes.recover();
    return changes;
  }

  /** The checks gitops provides: repository layout, descriptor schema, cross-file references. */
  public static List<ChangeCheck> defaultChecks() {
    return List.of(LayoutCheck.create(), SchemaCheck.create(), CrossFileCheck.create());
  }

  /** Adds a check (e.g. OPA admission); it runs on every head set from now on, and before merge. */
  public void addCheck(ChangeCheck check) {
    checks.add(Objects.requireNonNull(check, "check"));
  }

  /** Called after every merge, once {@code main} moved (e.g. to reconcile). Failures are logged. */
  public void addMergeListener(Consumer<ChangeRequest> listener) {
    mergeListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  // ---------------------------------------------------------------- reads

  /** Change requests with {@code filter} status (all when null), by id. */
  public List<ChangeRequest> list(Status filter) {
    return loadAll().values().stream()
        .filter(cr -> filter == null || cr.status() == filter)
        .sorted(Comparator.comparingLong(cr -> Long.parseLong(cr.id())))
        .toList();
  }

  /** One change request; {@code not_found} when there is none with this id. */
  public ChangeRequest get(String id) {
    Objects.requireNonNull(id, "id");
    return load(id).orElseThrow(() -> WardenException.notFound(
        "no change request #" + id + ": list them with GET /api/v1/changes"));
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
    return loadAll().values().stream()
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

    return locked(() -> {
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
      String id = nextId();
      PersonIdent who = WardenRepository.ident(author.name());
      ObjectId tree = repo.editTree(mainTree, files, removed);
      ObjectId commit = repo.commit(tree, List.of(main), who, who, cleanTitle + "\n");
      String branch = API_BRANCH_PREFIX + id;
      if (!repo.compareAndSet(Constants.R_HEADS + branch, null, commit, who, "change request #" + id + " opened")) {
        throw WardenException.conflict("branch " + branch + " already exists: delete it or ask an admin to");
      }
      Draft draft = Draft.opened(id, cleanTitle, author.name(), branch, main.name(), commit.name(), clock);
      return setHead(draft, author.subject(), "change.open", 0);
    });
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
    return locked(() -> headMoved(pusher.name(), pusher.subject(), name, newHead.copy()));
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
      ChangeRequest approved = save(draft.build());
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
    ChangeRequest merged = locked(() -> {
      ChangeRequest cr = requireOpen(get(id), "merged");
      Optional<ObjectId> branchHead = repo.refId(Constants.R_HEADS + cr.branch());
      if (branchHead.isPresent() && !branchHead.get().name().equals(cr.headCommit())) {
        // The branch moved without the change request seeing it (a crash between the two writes).
        String mover = repo.lastMover(Constants.R_HEADS + cr.branch()).orElse(cr.author());
        headMoved(mover, "user:" + mover, cr.branch(), branchHead.get());
        throw WardenException.conflict("branch " + cr.branch() + " moved to " + Messages.shortId(branchHead.get().name())
            + " since change request #" + id + " was last checked; checks were re-run: review and merge again");
      }
      ObjectId main = repo.mainId();
      boolean mainMoved = !cr.checkedAgainst().equals(main.name());
      if (mainMoved || staleChecks(cr)) {
        Draft draft = Draft.of(cr);
        evaluate(draft, main);
        cr = save(draft.build());
        auditChecks(actor.subject(), cr);
        if (mainMoved) {
          audit.append(actor.subject(), "change.merge.refused", target(id),
              Map.of("reason", "main moved", "main", main.name()));
          throw new WardenException("conflict", Messages.mainMoved(main.name(), cr.blockers().isEmpty()),
              problemsOf(cr));
        }
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
      ChangeRequest done = save(draft.build());
      audit.append(actor.subject(), "change.merge", target(id), Map.of(
          "head", cr.headCommit(), "merge_commit", newMain.name(), "fast_forward", fastForward,
          "approvals", cr.approvals().stream().map(Approval::user).toList()));
      return done;
    });
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

  // ---------------------------------------------------------------- internals

  /** The branch now points at {@code head}: open, update or close its change request. */
  private Optional<ChangeRequest> headMoved(String user, String subject, String branch, ObjectId head) {
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
      return Optional.of(setHead(draft, subject, "change.update", dropped));
    }
    String id = nextId();
    RevCommit commit = repo.parse(head);
    String title = commit.getShortMessage().isBlank() ? "branch " + branch : truncate(commit.getShortMessage());
    String base = repo.mergeBase(main, head).map(ObjectId::name).orElse(main.name());
    Draft draft = Draft.opened(id, title, user, branch, base, head.name(), clock);
    return Optional.of(setHead(draft, subject, "change.open", 0));
  }

  /** Runs the checks on the draft's head, then writes the record and pins the head. */
  private ChangeRequest setHead(Draft draft, String actor, String action, int droppedApprovals) {
    evaluate(draft, repo.mainId());
    draft.updatedAt = clock.instant();
    ChangeRequest cr = save(draft.build());
    pin(cr);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("branch", cr.branch());
    details.put("head", cr.headCommit());
    details.put("title", cr.title());
    if (droppedApprovals > 0) {
      details.put("dropped_approvals", droppedApprovals);
    }
    audit.append(actor, action, target(cr.id()), details);
    auditChecks(actor, cr);
    return cr;
  }

  /** Evaluates the checks on the tree {@code main} would hold after merging the draft's head. */
  private void evaluate(Draft draft, ObjectId main) {
    ObjectId head = ObjectId.fromString(draft.headCommit);
    ObjectId mainTree = repo.treeOf(main);
    MergeOutcome outcome = repo.mergeInMemory(main, head);
    List<CheckResult> results = new ArrayList<>();
    Set<RequiredApproval> required = new LinkedHashSet<>();
    required.add(DEFAULT_APPROVAL);
    if (!outcome.clean()) {
      List<Problem> problems = outcome.conflicts().stream()
          .map(path -> Problem.ofFile(path, "changed both on main and in this change request")).toList();
      results.add(new CheckResult(MERGE_CHECK, CheckResult.Status.FAILED, Messages.mergeConflict(main.name()),
          problems, List.of()));
      draft.files = repo.changes(mainTree, repo.treeOf(head));
    } else {
      boolean fastForward = repo.isAncestor(main, head);
      results.add(CheckResult.passed(MERGE_CHECK, (fastForward ? "fast-forwards main at " : "merges cleanly into main at ")
          + Messages.shortId(main.name())));
      List<FileChange> files = repo.changes(mainTree, outcome.tree());
      draft.files = files;
      ProposedChange proposed = new ProposedChange(draft.id, draft.title, draft.author,
          RepoSnapshot.of(main.name(), repo.files(mainTree)),
          RepoSnapshot.of(head.name(), repo.files(outcome.tree())), files,
          draft.approvals.stream().filter(a -> a.headCommit().equals(draft.headCommit)).toList());
      for (ChangeCheck check : checks) {
        CheckResult result = run(check, proposed);
        results.add(result);
        required.addAll(result.requiredApprovals());
      }
    }
    draft.checks = results;
    draft.checkedAgainst = main.name();
    draft.checkedHead = draft.headCommit;
    draft.requiredApprovals = new ArrayList<>(required);
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

  /** True when the recorded results do not cover the registered checks (a check was added since). */
  private boolean staleChecks(ChangeRequest cr) {
    if (!cr.checkedHead().equals(cr.headCommit())) {
      return true;
    }
    boolean mergeFailed = cr.checks().stream().anyMatch(c -> c.check().equals(MERGE_CHECK) && !c.passed());
    if (mergeFailed) {
      return false;
    }
    Set<String> ran = new LinkedHashSet<>();
    cr.checks().forEach(c -> ran.add(c.check()));
    return checks.stream().anyMatch(c -> !ran.contains(c.name()));
  }

  private ChangeRequest finishClosed(ChangeRequest cr, String user, String subject, String reason) {
    Draft draft = Draft.of(cr);
    draft.status = Status.CLOSED;
    draft.closedBy = user;
    draft.updatedAt = clock.instant();
    ChangeRequest closed = save(draft.build());
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

  /** Repairs what a crash between a ref update and a store write left inconsistent. */
  private void recover() {
    locked(() -> {
      ObjectId main = repo.mainId();
      Map<String, ChangeRequest> all = loadAll();
      for (ChangeRequest cr : all.values()) {
        if (cr.status() != Status.OPEN) {
          continue;
        }
        try {
          recoverOpen(cr, main);
        } catch (RuntimeException e) {
          LOG.warn("could not repair change request #{}", cr.id(), e);
        }
      }
      all = loadAll();
      for (Map.Entry<String, ObjectId> ref : repo.refs(Constants.R_HEADS).entrySet()) {
        String branch = ref.getKey().substring(Constants.R_HEADS.length());
        String head = ref.getValue().name();
        boolean known = all.values().stream()
            .anyMatch(cr -> cr.branch().equals(branch) && (cr.status() == Status.OPEN || cr.headCommit().equals(head)));
        if (branch.equals(WardenRepository.MAIN_BRANCH) || known || repo.isAncestor(ref.getValue(), main)) {
          continue;
        }
        String mover = repo.lastMover(ref.getKey()).orElse(SYSTEM);
        LOG.info("opening the change request a crash left unrecorded for branch {}", branch);
        headMoved(mover, "user:" + mover, branch, ref.getValue());
      }
      return null;
    });
  }

  private void recoverOpen(ChangeRequest cr, ObjectId main) {
    ObjectId recorded = ObjectId.fromString(cr.headCommit());
    Optional<ObjectId> mergeCommit = findMerge(recorded, main);
    if (mergeCommit.isPresent()) {
      Draft draft = Draft.of(cr);
      draft.status = Status.MERGED;
      draft.mergeCommit = mergeCommit.get().name();
      draft.mergedBy = repo.lastMover(WardenRepository.MAIN_REF).orElse(SYSTEM);
      draft.updatedAt = clock.instant();
      save(draft.build());
      audit.append(SYSTEM, "change.merge", target(cr.id()),
          Map.of("merge_commit", draft.mergeCommit, "recovered", true));
      return;
    }
    String branchRef = Constants.R_HEADS + cr.branch();
    Optional<ObjectId> branchHead = repo.refId(branchRef);
    if (branchHead.isEmpty()) {
      finishClosed(cr, SYSTEM, SYSTEM, "branch deleted");
    } else if (!branchHead.get().equals(recorded)) {
      String mover = repo.lastMover(branchRef).orElse(cr.author());
      headMoved(mover, "user:" + mover, cr.branch(), branchHead.get());
    } else if (!repo.refId(pinRef(cr.id())).map(recorded::equals).orElse(false)) {
      pin(cr);
    }
  }

  /** The commit on main's first-parent line that merged {@code head}, if one did. */
  private Optional<ObjectId> findMerge(ObjectId head, ObjectId main) {
    if (!repo.isAncestor(head, main)) {
      return Optional.empty();
    }
    ObjectId cursor = main;
    for (int i = 0; i < 10_000 && cursor != null; i++) {
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

  private void pin(ChangeRequest cr) {
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

  private String nextId() {
    long next = store.get(SEQ_TABLE, SEQ_KEY).map(Long::parseLong).orElse(1L);
    for (String id : store.table(TABLE).keySet()) {
      next = Math.max(next, Long.parseLong(id) + 1);
    }
    for (String ref : repo.refs(PIN_PREFIX).keySet()) {
      String id = ref.substring(PIN_PREFIX.length(), ref.indexOf('/', PIN_PREFIX.length()));
      next = Math.max(next, parseOr(id, 0) + 1);
    }
    for (String ref : repo.refs(Constants.R_HEADS + API_BRANCH_PREFIX).keySet()) {
      next = Math.max(next, parseOr(ref.substring(ref.lastIndexOf('/') + 1), 0) + 1);
    }
    return Long.toString(next);
  }

  private ChangeRequest save(ChangeRequest cr) {
    String json = Json.write(cr);
    long next = Long.parseLong(cr.id()) + 1;
    store.update(tx -> {
      tx.put(TABLE, cr.id(), json);
      long stored = tx.get(SEQ_TABLE, SEQ_KEY).map(Long::parseLong).orElse(1L);
      if (next > stored) {
        tx.put(SEQ_TABLE, SEQ_KEY, Long.toString(next));
      }
    });
    return cr;
  }

  private Optional<ChangeRequest> load(String id) {
    return store.get(TABLE, id).map(json -> Json.read(json, ChangeRequest.class));
  }

  private Map<String, ChangeRequest> loadAll() {
    Map<String, ChangeRequest> out = new TreeMap<>();
    store.table(TABLE).forEach((id, json) -> out.put(id, Json.read(json, ChangeRequest.class)));
    return out;
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

  private static String target(String id) {
    return "change/" + id;
  }

  private static String truncate(String title) {
    return title.length() <= MAX_TITLE_LENGTH ? title : title.substring(0, MAX_TITLE_LENGTH - 3) + "...";
  }

  private static long parseOr(String s, long fallback) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static Map<String, String> toMap(Set<String> paths) {
    Map<String, String> out = new TreeMap<>();
    for (String p : paths) {
      out.put(Objects.requireNonNull(p, "deleted path"), p);
    }
    return out;
  }

  /** A mutable copy of a change request, for building the next version of its record. */
  private static final class Draft {
    String id;
    String title;
    String author;
    String branch;
    String baseCommit;
    String headCommit;
    Status status;
    java.time.Instant createdAt;
    java.time.Instant updatedAt;
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

    ChangeRequest build() {
      return new ChangeRequest(id, title, author, branch, baseCommit, headCommit, status, createdAt, updatedAt,
          files, checks, checkedAgainst, checkedHead, approvals, requiredApprovals, List.copyOf(contributors),
          mergeCommit, mergedBy, closedBy);
    }
  }
}
