package io.warden.gitops;

import io.warden.core.WardenException;
import io.warden.core.audit.AuditLog;
import io.warden.core.descriptor.Examples;
import io.warden.core.change.FileChange;
import io.warden.core.change.RepoSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.ConfigConstants;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.merge.MergeStrategy;
import org.eclipse.jgit.merge.ResolveMerger;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.revwalk.filter.RevFilter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.EmptyTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.AndTreeFilter;
import org.eclipse.jgit.treewalk.filter.PathFilterGroup;
import org.eclipse.jgit.treewalk.filter.TreeFilter;
import org.eclipse.jgit.util.io.NullOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warden's own bare Git repository: the source of truth for agents, policies, pricing and tools.
 * {@code main} holds what is applied; every other branch is a proposal reviewed as a change request.
 *
 * <p>Opened with fsync on for objects and refs ({@code core.fsyncObjectFiles},
 * {@code core.fsyncRefFiles}, both honoured by JGit's file storage) and with reflogs on, so an
 * acknowledged push or merge survives {@code kill -9} and the reflog remembers who moved each ref.
 * Thread-safe: JGit's file repository is, and every ref move here is a compare-and-set.
 */
public final class WardenRepository implements AutoCloseable {

  public static final String MAIN_BRANCH = "main";
  public static final String MAIN_REF = Constants.R_HEADS + MAIN_BRANCH;

  /** The identity of commits Warden makes on its own (the seed). */
  static final String SYSTEM_NAME = "Warden";

  private static final Logger LOG = LoggerFactory.getLogger(WardenRepository.class);
  private static final String SEED_RESOURCE = "/io/warden/gitops/seed/";
  private static final List<String> SEED_FILES =
      List.of("README.md", "tools/README.md");

  private final Repository repo;
  private final AuditLog audit;
  private final AtomicBoolean changeRequestsClaimed = new AtomicBoolean();

  private WardenRepository(Repository repo, AuditLog audit) {
    this.repo = repo;
    this.audit = audit;
  }

  /**
   * Opens the bare repository at {@code bareRepoDir}, creating it when missing. When {@code main}
   * does not exist yet (a new repository, or a crash during the first start) its first commit is made
   * from {@code seedFiles}.
   */
  public static WardenRepository open(Path bareRepoDir, Map<String, byte[]> seedFiles, AuditLog audit) {
    Objects.requireNonNull(bareRepoDir, "bareRepoDir");
    Objects.requireNonNull(seedFiles, "seedFiles");
    Objects.requireNonNull(audit, "audit");
    try {
      Repository repo;
      if (Files.exists(bareRepoDir.resolve("HEAD"))) {
        repo = new FileRepositoryBuilder().setGitDir(bareRepoDir.toFile()).setBare().setMustExist(true).build();
      } else {
        Files.createDirectories(bareRepoDir);
        try (Git git = Git.init().setBare(true).setDirectory(bareRepoDir.toFile())
            .setInitialBranch(MAIN_BRANCH).call()) {
          repo = git.getRepository();
          repo.incrementOpen();
        }
      }
      configure(repo);
      WardenRepository warden = new WardenRepository(repo, audit);
      warden.seedIfEmpty(seedFiles);
      return warden;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the git repository at " + bareRepoDir + ": " + e.getMessage(), e);
    } catch (GitAPIException e) {
      throw new IllegalStateException("cannot create the git repository at " + bareRepoDir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The files every new Warden repository starts with: the example agent
   * {@code agents/reconciliation-finance.yaml}, a {@code README.md} describing the layout and
   * {@code tools/README.md}. Other modules add their own seed files to this map.
   */
  public static Map<String, byte[]> defaultSeed() {
    Map<String, byte[]> seed = new LinkedHashMap<>();
    for (String path : SEED_FILES) {
      try (InputStream in = WardenRepository.class.getResourceAsStream(SEED_RESOURCE + path)) {
        if (in == null) {
          throw new IllegalStateException("seed file missing from the gitops jar: " + path);
        }
        seed.put(path, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    seed.put(Examples.RECONCILIATION_FINANCE_PATH, Examples.reconciliationFinance());
    return seed;
  }

  /** Every file of a commit, branch or ref ({@code main}, {@code refs/heads/x}, a hex id). */
  public RepoSnapshot snapshot(String commitOrRef) {
    ObjectId commit = resolveCommit(commitOrRef);
    try (RevWalk walk = new RevWalk(repo)) {
      return RepoSnapshot.of(commit.name(), files(walk.parseCommit(commit).getTree()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The commit {@code main} points to (hex). */
  public String mainCommit() {
    return mainId().name();
  }

  /**
   * The commits on {@code main}'s first-parent line that changed {@code path}, newest first: one per
   * merged change request (or per direct commit such as the seed). At most {@code limit}.
   */
  public List<Revision> history(String path, int limit) {
    Objects.requireNonNull(path, "path");
    if (limit < 1) {
      throw WardenException.invalid("limit must be at least 1, was " + limit);
    }
    List<Revision> out = new ArrayList<>();
    try (RevWalk walk = new RevWalk(repo); ObjectReader reader = repo.newObjectReader()) {
      RevCommit commit = walk.parseCommit(mainId());
      ObjectId here = blobId(reader, commit, path);
      while (commit != null && out.size() < limit) {
        RevCommit parent = commit.getParentCount() == 0 ? null : walk.parseCommit(commit.getParent(0));
        ObjectId before = parent == null ? null : blobId(reader, parent, path);
        if (!Objects.equals(here, before)) {
          out.add(revision(commit));
        }
        commit = parent;
        here = before;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /**
   * For each path, the newest commit on {@code main}'s first-parent line that changed it, found in
   * one walk (identical subtrees are skipped, so this stays cheap on long histories). Paths never
   * on {@code main} are absent from the result.
   */
  Map<String, String> lastChanges(java.util.Collection<String> paths) {
    Map<String, String> out = new TreeMap<>();
    java.util.Set<String> pending = new java.util.HashSet<>(paths);
    try (RevWalk walk = new RevWalk(repo); ObjectReader reader = repo.newObjectReader()) {
      RevCommit commit = walk.parseCommit(mainId());
      while (commit != null && !pending.isEmpty()) {
        RevCommit parent = commit.getParentCount() == 0 ? null : walk.parseCommit(commit.getParent(0));
        try (TreeWalk tw = new TreeWalk(reader)) {
          tw.setRecursive(true);
          tw.setFilter(AndTreeFilter.create(PathFilterGroup.createFromStrings(pending), TreeFilter.ANY_DIFF));
          tw.addTree(commit.getTree());
          if (parent == null) {
            tw.addTree(new EmptyTreeIterator());
          } else {
            tw.addTree(parent.getTree());
          }
          List<String> changed = new ArrayList<>();
          while (tw.next()) {
            changed.add(tw.getPathString());
          }
          for (String path : changed) {
            if (pending.remove(path)) {
              out.put(path, commit.name());
            }
          }
        }
        commit = parent;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Unified diff (as {@code git diff from to}) between two commits or refs. */
  public String diff(String fromCommit, String toCommit) {
    ObjectId from = resolveCommit(fromCommit);
    ObjectId to = resolveCommit(toCommit);
    try (RevWalk walk = new RevWalk(repo)) {
      return diffTrees(walk.parseCommit(from).getTree(), walk.parseCommit(to).getTree());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The JGit repository, for the smart-HTTP transport and for tests. */
  public Repository jgit() {
    return repo;
  }

  @Override
  public void close() {
    repo.close();
  }

  // ---- package-private plumbing for ChangeRequests, Reconciler and GitSmartHttp ----

  /** Called once by {@link ChangeRequests#create}: a second one would not serialise merges with the first. */
  void claimForChangeRequests() {
    if (!changeRequestsClaimed.compareAndSet(false, true)) {
      throw new IllegalStateException(
          "this repository already has a ChangeRequests: create exactly one per repository so merges are serialised");
    }
  }

  AuditLog audit() {
    return audit;
  }

  ObjectId mainId() {
    try {
      Ref main = repo.exactRef(MAIN_REF);
      if (main == null || main.getObjectId() == null) {
        throw new IllegalStateException("the repository has no main branch");
      }
      return main.getObjectId();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The object a ref points to, or empty. */
  Optional<ObjectId> refId(String ref) {
    try {
      Ref r = repo.exactRef(ref);
      return r == null || r.getObjectId() == null ? Optional.empty() : Optional.of(r.getObjectId());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** All refs under a prefix, full name to id. */
  Map<String, ObjectId> refs(String prefix) {
    Map<String, ObjectId> out = new TreeMap<>();
    try {
      for (Ref ref : repo.getRefDatabase().getRefsByPrefix(prefix)) {
        if (ref.getObjectId() != null) {
          out.put(ref.getName(), ref.getObjectId());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** The name the last reflog entry of {@code ref} records as having moved it, if any. */
  Optional<String> lastMover(String ref) {
    try {
      var reader = repo.getRefDatabase().getReflogReader(ref);
      var entry = reader == null ? null : reader.getLastEntry();
      return entry == null ? Optional.empty() : Optional.of(entry.getWho().getName());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  ObjectId resolveCommit(String commitOrRef) {
    Objects.requireNonNull(commitOrRef, "commitOrRef");
    try {
      ObjectId id = repo.resolve(commitOrRef + "^{commit}");
      if (id == null) {
        throw WardenException.notFound("no commit or ref named '" + commitOrRef + "' in the repository");
      }
      return id;
    } catch (IOException | RuntimeException e) {
      if (e instanceof WardenException we) {
        throw we;
      }
      throw WardenException.notFound("no commit or ref named '" + commitOrRef + "' in the repository");
    }
  }

  RevCommit parse(ObjectId commit) {
    try (RevWalk walk = new RevWalk(repo)) {
      RevCommit c = walk.parseCommit(commit);
      walk.parseBody(c);
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every regular file of a tree; symlinks and submodules are left out (pushes refuse them). */
  TreeMap<String, byte[]> files(ObjectId tree) {
    TreeMap<String, byte[]> out = new TreeMap<>();
    try (TreeWalk tw = new TreeWalk(repo); ObjectReader reader = repo.newObjectReader()) {
      tw.addTree(tree);
      tw.setRecursive(true);
      while (tw.next()) {
        if ((tw.getRawMode(0) & FileMode.TYPE_MASK) == FileMode.TYPE_FILE) {
          out.put(tw.getPathString(), reader.open(tw.getObjectId(0)).getBytes());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Paths in a commit's tree that are symlinks or submodules, which Warden refuses. */
  List<String> specialEntries(ObjectId commit) {
    List<String> out = new ArrayList<>();
    try (RevWalk walk = new RevWalk(repo); TreeWalk tw = new TreeWalk(repo)) {
      tw.addTree(walk.parseCommit(commit).getTree());
      tw.setRecursive(true);
      while (tw.next()) {
        int type = tw.getRawMode(0) & FileMode.TYPE_MASK;
        if (type != FileMode.TYPE_FILE) {
          out.add(tw.getPathString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  ObjectId treeOf(ObjectId commit) {
    return parse(commit).getTree().getId();
  }

  /** The paths that differ between two trees, sorted. */
  List<FileChange> changes(ObjectId fromTree, ObjectId toTree) {
    try (DiffFormatter df = new DiffFormatter(NullOutputStream.INSTANCE)) {
      df.setRepository(repo);
      List<FileChange> out = new ArrayList<>();
      for (DiffEntry entry : df.scan(fromTree, toTree)) {
        switch (entry.getChangeType()) {
          case ADD, COPY -> out.add(new FileChange(entry.getNewPath(), FileChange.Kind.ADDED));
          case DELETE -> out.add(new FileChange(entry.getOldPath(), FileChange.Kind.DELETED));
          case MODIFY -> out.add(new FileChange(entry.getNewPath(), FileChange.Kind.MODIFIED));
          case RENAME -> {
            out.add(new FileChange(entry.getOldPath(), FileChange.Kind.DELETED));
            out.add(new FileChange(entry.getNewPath(), FileChange.Kind.ADDED));
          }
        }
      }
      out.sort(java.util.Comparator.comparing(FileChange::path));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String diffTrees(ObjectId fromTree, ObjectId toTree) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DiffFormatter df = new DiffFormatter(out)) {
      df.setRepository(repo);
      df.format(fromTree, toTree);
      df.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  boolean isAncestor(ObjectId ancestor, ObjectId of) {
    try (RevWalk walk = new RevWalk(repo)) {
      return walk.isMergedInto(walk.parseCommit(ancestor), walk.parseCommit(of));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Optional<ObjectId> mergeBase(ObjectId a, ObjectId b) {
    try (RevWalk walk = new RevWalk(repo)) {
      walk.setRevFilter(RevFilter.MERGE_BASE);
      walk.markStart(walk.parseCommit(a));
      walk.markStart(walk.parseCommit(b));
      RevCommit base = walk.next();
      return base == null ? Optional.empty() : Optional.of(base.copy());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The result of merging {@code head} into {@code main} in memory: a tree, or the conflicting paths. */
  record MergeOutcome(ObjectId tree, List<String> conflicts) {
    boolean clean() {
      return tree != null;
    }
  }

  MergeOutcome mergeInMemory(ObjectId main, ObjectId head) {
    if (isAncestor(main, head)) {
      return new MergeOutcome(treeOf(head), List.of());
    }
    try (ObjectInserter inserter = repo.newObjectInserter()) {
      ResolveMerger merger = (ResolveMerger) MergeStrategy.RECURSIVE.newMerger(inserter, repo.getConfig());
      boolean clean = merger.merge(main, head);
      if (clean) {
        inserter.flush();
        return new MergeOutcome(merger.getResultTreeId(), List.of());
      }
      List<String> conflicts = new ArrayList<>(merger.getUnmergedPaths());
      if (merger.getFailingPaths() != null) {
        merger.getFailingPaths().keySet().stream().filter(p -> !conflicts.contains(p)).forEach(conflicts::add);
      }
      conflicts.sort(null);
      return new MergeOutcome(null, conflicts);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a commit with the given tree and parents; objects are fsynced before this returns. */
  ObjectId commit(ObjectId tree, List<ObjectId> parents, PersonIdent author, PersonIdent committer, String message) {
    try (ObjectInserter inserter = repo.newObjectInserter()) {
      CommitBuilder cb = new CommitBuilder();
      cb.setTreeId(tree);
      cb.setParentIds(parents);
      cb.setAuthor(author);
      cb.setCommitter(committer);
      cb.setMessage(message);
      ObjectId id = inserter.insert(cb);
      inserter.flush();
      return id;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A tree equal to {@code baseTree} with files replaced or added and paths deleted. */
  ObjectId editTree(ObjectId baseTree, Map<String, byte[]> upserts, Set<String> deletes) {
    try (ObjectInserter inserter = repo.newObjectInserter(); TreeWalk tw = new TreeWalk(repo)) {
      DirCache index = DirCache.newInCore();
      DirCacheBuilder builder = index.builder();
      if (baseTree != null) {
        tw.addTree(baseTree);
        tw.setRecursive(true);
        while (tw.next()) {
          String path = tw.getPathString();
          if (upserts.containsKey(path) || deletes.contains(path)) {
            continue;
          }
          DirCacheEntry entry = new DirCacheEntry(path);
          entry.setFileMode(tw.getFileMode(0));
          entry.setObjectId(tw.getObjectId(0));
          builder.add(entry);
        }
      }
      for (Map.Entry<String, byte[]> upsert : new TreeMap<>(upserts).entrySet()) {
        DirCacheEntry entry = new DirCacheEntry(upsert.getKey());
        entry.setFileMode(FileMode.REGULAR_FILE);
        entry.setObjectId(inserter.insert(Constants.OBJ_BLOB, upsert.getValue()));
        builder.add(entry);
      }
      builder.finish();
      ObjectId tree = index.writeTree(inserter);
      inserter.flush();
      return tree;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Moves {@code ref} from {@code expectedOld} ({@code null} or zero for "must not exist") to
   * {@code newId} atomically; false when the ref was not at {@code expectedOld}.
   */
  boolean compareAndSet(String ref, ObjectId expectedOld, ObjectId newId, PersonIdent who, String why) {
    try {
      RefUpdate update = repo.updateRef(ref);
      update.setExpectedOldObjectId(expectedOld == null ? ObjectId.zeroId() : expectedOld);
      update.setNewObjectId(newId);
      update.setForceUpdate(true);
      update.setRefLogIdent(who);
      update.setRefLogMessage(why, false);
      RefUpdate.Result result = update.update();
      return switch (result) {
        case NEW, FORCED, FAST_FORWARD, NO_CHANGE -> true;
        case LOCK_FAILURE, REJECTED, REJECTED_CURRENT_BRANCH, REJECTED_MISSING_OBJECT,
            REJECTED_OTHER_REASON, IO_FAILURE, NOT_ATTEMPTED, RENAMED -> false;
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes a ref if it exists (used for stale pins). */
  void deleteRef(String ref, PersonIdent who) {
    try {
      RefUpdate update = repo.updateRef(ref);
      update.setForceUpdate(true);
      update.setRefLogIdent(who);
      update.delete();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static PersonIdent ident(String user) {
    return new PersonIdent(user, user + "@warden.local");
  }

  static Revision revision(RevCommit commit) {
    PersonIdent author = commit.getAuthorIdent();
    return new Revision(commit.name(), author.getName(), author.getWhenAsInstant(),
        commit.getFullMessage().stripTrailing());
  }

  private static ObjectId blobId(ObjectReader reader, RevCommit commit, String path) throws IOException {
    try (TreeWalk tw = TreeWalk.forPath(reader, path, commit.getTree())) {
      return tw == null ? null : tw.getObjectId(0);
    }
  }

  private static void configure(Repository repo) throws IOException {
    StoredConfig config = repo.getConfig();
    boolean changed = false;
    changed |= set(config, ConfigConstants.CONFIG_CORE_SECTION, "fsyncObjectFiles", true);
    changed |= set(config, ConfigConstants.CONFIG_CORE_SECTION, "fsyncRefFiles", true);
    // Bare repositories keep no reflog by default; Warden wants to know who moved every ref.
    changed |= set(config, ConfigConstants.CONFIG_CORE_SECTION, ConfigConstants.CONFIG_KEY_LOGALLREFUPDATES, true);
    // No surprise gc pauses inside a push; change heads are pinned under refs/changes anyway.
    changed |= set(config, "receive", "autogc", false);
    if (changed) {
      config.save();
    }
    Ref head = repo.exactRef(Constants.HEAD);
    if (head == null || !head.isSymbolic() || !MAIN_REF.equals(head.getTarget().getName())) {
      repo.updateRef(Constants.HEAD).link(MAIN_REF);
    }
  }

  private static boolean set(StoredConfig config, String section, String key, boolean value) {
    String current = config.getString(section, null, key);
    if (current != null && config.getBoolean(section, key, !value) == value) {
      return false;
    }
    config.setBoolean(section, null, key, value);
    return true;
  }

  private void seedIfEmpty(Map<String, byte[]> seedFiles) {
    if (refId(MAIN_REF).isPresent()) {
      return;
    }
    for (String path : seedFiles.keySet()) {
      if (path.isEmpty() || path.startsWith("/") || path.contains("..") || path.contains("\\")) {
        throw new IllegalArgumentException("seed path '" + path + "' must be a relative path inside the repository");
      }
    }
    PersonIdent system = new PersonIdent(SYSTEM_NAME, "warden@warden.local");
    ObjectId tree = editTree(null, seedFiles, Set.of());
    ObjectId commit = commit(tree, List.of(), system, system, "Seed the Warden repository\n");
    if (!compareAndSet(MAIN_REF, null, commit, system, "seed")) {
      // Someone else seeded concurrently: theirs stands.
      return;
    }
    audit.append("system", "repo.seed", "repo/main",
        Map.of("commit", commit.name(), "files", List.copyOf(new TreeMap<>(seedFiles).keySet())));
    LOG.info("created the Warden repository at {} with {} seed files", repo.getDirectory(), seedFiles.size());
  }

}
