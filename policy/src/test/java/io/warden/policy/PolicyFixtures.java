package io.warden.policy;

import io.warden.core.change.FileChange;
import io.warden.core.change.ProposedChange;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.descriptor.Examples;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Repository trees and change requests for the policy tests, and where the real OPA is. Test code. */
public final class PolicyFixtures {

  public static final String AGENT_PATH = "agents/reconciliation-finance.yaml";

  /** The example agent of DESIGN.md, as the repository is seeded with it. */
  public static final String AGENT = Examples.reconciliationFinanceYaml();

  private static final AtomicInteger COMMITS = new AtomicInteger();

  private PolicyFixtures() {}

  /** The real OPA: set by failsafe (policy/pom.xml), else the project's tools directory. */
  static Path opa() {
    String configured = System.getProperty("warden.opa");
    Path opa = configured != null ? Path.of(configured) : Path.of("..", ".tools", "bin", "opa").toAbsolutePath();
    if (!Files.isExecutable(opa)) {
      throw new IllegalStateException("the real OPA is needed at " + opa + ": run scripts/install.sh --test");
    }
    return opa;
  }

  /** A fresh fake commit id (40 hex digits). */
  static String commit() {
    return String.format("c0ffee%02d", COMMITS.incrementAndGet() % 100) + "f".repeat(32);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The seeded repository: example policies, allow-list and the example agent. */
  static RepoSnapshot seededMain() {
    Map<String, byte[]> files = new TreeMap<>(PolicyEngine.seedFiles());
    files.put(AGENT_PATH, utf8(AGENT));
    return RepoSnapshot.of(commit(), files);
  }

  /** {@code base} with {@code edits} applied (path to new text, or null to delete), as a new commit. */
  static RepoSnapshot edit(RepoSnapshot base, String... pathsAndTexts) {
    Map<String, byte[]> files = new TreeMap<>(base.files());
    for (int i = 0; i < pathsAndTexts.length; i += 2) {
      if (pathsAndTexts[i + 1] == null) {
        files.remove(pathsAndTexts[i]);
      } else {
        files.put(pathsAndTexts[i], utf8(pathsAndTexts[i + 1]));
      }
    }
    return RepoSnapshot.of(commit(), files);
  }

  /** A change request from {@code base} to {@code head}, by alice, without approvals. */
  static ProposedChange change(RepoSnapshot base, RepoSnapshot head) {
    List<FileChange> changes = new ArrayList<>();
    TreeMap<String, byte[]> all = new TreeMap<>(base.files());
    all.putAll(head.files());
    all.forEach((path, ignored) -> {
      byte[] before = base.files().get(path);
      byte[] after = head.files().get(path);
      if (before == null) {
        changes.add(new FileChange(path, FileChange.Kind.ADDED));
      } else if (after == null) {
        changes.add(new FileChange(path, FileChange.Kind.DELETED));
      } else if (!Arrays.equals(before, after)) {
        changes.add(new FileChange(path, FileChange.Kind.MODIFIED));
      }
    });
    return new ProposedChange("7", "test change", "alice", base, head, changes, List.of());
  }
}
