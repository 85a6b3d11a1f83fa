package io.warden.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.WardenException;
import io.warden.core.audit.AuditLog;
import io.warden.core.change.RepoSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WardenRepositoryTest {

  @TempDir Path dir;

  @Test
  void open_newDirectory_seedsMainWithDefaultFiles() throws Exception {
    try (AuditLog audit = AuditLog.open(dir.resolve("audit.log"));
        WardenRepository repo = WardenRepository.open(dir.resolve("warden.git"), WardenRepository.defaultSeed(), audit)) {
      RepoSnapshot main = repo.snapshot("main");
      assertThat(main.files().keySet()).containsExactly(
          "README.md", "agents/reconciliation-finance.yaml", "tools/README.md");
      assertThat(main.text("agents/reconciliation-finance.yaml")).hasValueSatisfying(yaml -> assertThat(yaml)
          .startsWith("apiVersion: agent.os/v1\nkind: Agent\nmetadata:\n  name: reconciliation-finance\n")
          .contains("    pinned_revision: \"2026-02-14\"\n")
          .endsWith("  approval:\n    on_action_value_usd_gt: 1000\n"));
      assertThat(main.text("README.md").orElseThrow()).contains("agents/", "policies/", "pricing.yaml", "tools/");
      assertThat(repo.jgit().isBare()).isTrue();
      assertThat(repo.jgit().exactRef(Constants.HEAD).getTarget().getName()).isEqualTo("refs/heads/main");
      assertThat(repo.jgit().getConfig().getBoolean("core", "fsyncObjectFiles", false)).isTrue();
      assertThat(repo.jgit().getConfig().getBoolean("core", "fsyncRefFiles", false)).isTrue();
      assertThat(audit.list(0, 10, "repo.")).singleElement()
          .satisfies(e -> assertThat(e.details()).containsEntry("commit", repo.mainCommit()));
    }
  }

  @Test
  void open_existingRepository_keepsMainAndDoesNotReseed() {
    String first;
    try (AuditLog audit = AuditLog.open(dir.resolve("audit.log"));
        WardenRepository repo = WardenRepository.open(dir.resolve("warden.git"), WardenRepository.defaultSeed(), audit)) {
      first = repo.mainCommit();
    }
    try (AuditLog audit = AuditLog.open(dir.resolve("audit.log"));
        WardenRepository repo = WardenRepository.open(dir.resolve("warden.git"),
            Map.of("pricing.yaml", "x: 1\n".getBytes(StandardCharsets.UTF_8)), audit)) {
      assertThat(repo.mainCommit()).isEqualTo(first);
      assertThat(repo.snapshot("main").files()).doesNotContainKey("pricing.yaml");
      assertThat(audit.list(0, 10, "repo.seed")).hasSize(1);
    }
  }

  @Test
  void history_and_diff_followMainFirstParent() {
    try (AuditLog audit = AuditLog.open(dir.resolve("audit.log"));
        WardenRepository repo = WardenRepository.open(dir.resolve("warden.git"), WardenRepository.defaultSeed(), audit)) {
      ObjectId seed = repo.mainId();
      String path = "agents/reconciliation-finance.yaml";
      byte[] changed = repo.snapshot("main").text(path).orElseThrow().replace("usd_per_day: 40", "usd_per_day: 50")
          .getBytes(StandardCharsets.UTF_8);
      ObjectId tree = repo.editTree(repo.treeOf(seed), Map.of(path, changed), Set.of());
      ObjectId next = repo.commit(tree, List.of(seed), WardenRepository.ident("alice"), WardenRepository.ident("alice"),
          "Raise the budget\n");
      assertThat(repo.compareAndSet(WardenRepository.MAIN_REF, seed, next, WardenRepository.ident("alice"), "test")).isTrue();
      // A stale compare-and-set fails and leaves main alone.
      assertThat(repo.compareAndSet(WardenRepository.MAIN_REF, seed, seed, WardenRepository.ident("alice"), "test")).isFalse();

      List<Revision> history = repo.history(path, 10);
      assertThat(history).extracting(Revision::commit).containsExactly(next.name(), seed.name());
      assertThat(history.get(0).author()).isEqualTo("alice");
      assertThat(history.get(0).message()).isEqualTo("Raise the budget");
      assertThat(repo.history("tools/README.md", 10)).extracting(Revision::commit).containsExactly(seed.name());
      assertThat(repo.history(path, 1)).hasSize(1);
      assertThat(repo.lastChanges(List.of(path, "tools/README.md", "agents/nope.yaml")))
          .containsExactly(Map.entry(path, next.name()), Map.entry("tools/README.md", seed.name()));

      assertThat(repo.diff(seed.name(), next.name()))
          .contains("diff --git a/" + path + " b/" + path, "-    usd_per_day: 40", "+    usd_per_day: 50");
    }
  }

  @Test
  void snapshot_unknownRef_notFound() {
    try (AuditLog audit = AuditLog.open(dir.resolve("audit.log"));
        WardenRepository repo = WardenRepository.open(dir.resolve("warden.git"), WardenRepository.defaultSeed(), audit)) {
      assertThatThrownBy(() -> repo.snapshot("no-such-branch"))
          .isInstanceOfSatisfying(WardenException.class, e -> assertThat(e.code()).isEqualTo("not_found"))
          .hasMessageContaining("'no-such-branch'");
    }
  }

  @Test
  void defaultSeed_readmeDescribesLayout() {
    Map<String, byte[]> seed = WardenRepository.defaultSeed();
    assertThat(new String(seed.get("tools/README.md"), StandardCharsets.UTF_8)).contains("mcp://gateway/");
  }
}
