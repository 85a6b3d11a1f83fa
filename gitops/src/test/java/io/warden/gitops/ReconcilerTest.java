package io.warden.gitops;

import static io.warden.gitops.Fixture.ALICE;
import static io.warden.gitops.Fixture.BOB;
import static io.warden.gitops.Fixture.CAROL;
import static io.warden.gitops.Fixture.agentYaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.WardenException;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.executor.AgentExecutor;
import io.warden.core.executor.ExecutorException;
import io.warden.core.executor.ExecutorStatus;
import io.warden.core.executor.Invocation;
import io.warden.core.executor.InvocationResult;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.MainBranchListener;
import io.warden.core.inventory.SyncStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconcilerTest {

  @TempDir Path dir;

  /** An executor that records what it was asked and fails for agents named in {@code failing}. */
  static final class RecordingExecutor implements AgentExecutor {
    final List<String> calls = new ArrayList<>();
    final Set<String> failing = new java.util.HashSet<>();

    @Override
    public String type() {
      return "k8s";
    }

    @Override
    public void apply(AgentDescriptor descriptor, String revision) {
      calls.add("apply " + descriptor.name());
      if (failing.contains(descriptor.name())) {
        throw new IllegalStateException("cluster refused " + descriptor.name());
      }
    }

    @Override
    public void remove(String agent) {
      calls.add("remove " + agent);
    }

    @Override
    public InvocationResult invoke(Invocation invocation) throws ExecutorException {
      throw new ExecutorException("reconcile never invokes", false);
    }

    @Override
    public ExecutorStatus status(String agent) {
      return new ExecutorStatus(agent, ExecutorStatus.State.READY, null, "");
    }
  }

  private static ChangeRequest mergeNow(Fixture f, Map<String, String> files) {
    ChangeRequest cr = f.open(ALICE, "change", files);
    f.changes.approve(BOB, cr.id());
    return f.changes.merge(CAROL, cr.id());
  }

  @Test
  void reconcile_mainWithAgents_appliesStatusesRevisionsAndTellsListeners() {
    try (Fixture f = Fixture.open(dir)) {
      Inventory inventory = Inventory.create();
      RecordingExecutor k8s = new RecordingExecutor();
      k8s.failing.add("broken");
      List<String> told = new ArrayList<>();
      MainBranchListener listener = main -> told.add(main.commit());
      MainBranchListener failingListener = main -> {
        throw new IllegalStateException("opa down");
      };
      Reconciler reconciler = Reconciler.create(f.repo, inventory, List.of(k8s), List.of(listener, failingListener),
          f.audit, Clock.systemUTC());
      f.changes.addMergeListener(cr -> reconciler.reconcile());

      ReconcileReport first = reconciler.reconcile();
      String seed = f.repo.mainCommit();
      assertThat(first.added()).containsExactly("reconciliation-finance");
      assertThat(inventory.get("reconciliation-finance")).hasValueSatisfying(a -> {
        assertThat(a.status()).isEqualTo(SyncStatus.SYNCED);
        assertThat(a.revision()).isEqualTo(seed);
      });
      assertThat(inventory.appliedCommit()).isEqualTo(seed);
      assertThat(told).containsExactly(seed);
      assertThat(first.listenerFailures()).singleElement().asString().contains("opa down");

      mergeNow(f, Map.of(
          "agents/worker.yaml", agentYaml("worker", "executor:\n  type: k8s\n"),
          "agents/broken.yaml", agentYaml("broken", "executor:\n  type: k8s\n"),
          "agents/lost.yaml", agentYaml("lost", "executor:\n  type: lambda\n")));
      String merged = f.repo.mainCommit();
      assertThat(inventory.appliedCommit()).isEqualTo(merged);
      assertThat(inventory.list()).extracting(AgentState::name)
          .containsExactly("broken", "lost", "reconciliation-finance", "worker");
      assertThat(inventory.get("worker")).hasValueSatisfying(a -> {
        assertThat(a.status()).isEqualTo(SyncStatus.SYNCED);
        assertThat(a.revision()).isEqualTo(merged);
      });
      assertThat(inventory.get("broken")).hasValueSatisfying(a -> {
        assertThat(a.status()).isEqualTo(SyncStatus.DEGRADED);
        assertThat(a.message()).isEqualTo("executor 'k8s' failed: cluster refused broken");
      });
      assertThat(inventory.get("lost")).hasValueSatisfying(a -> {
        assertThat(a.status()).isEqualTo(SyncStatus.DEGRADED);
        assertThat(a.message()).contains("no executor of type 'lambda' is registered; available: k8s");
      });
      assertThat(inventory.get("reconciliation-finance").orElseThrow().revision()).isEqualTo(seed);
      assertThat(told).containsExactly(seed, merged);

      // Degraded agents are retried; synced ones are left alone.
      k8s.failing.clear();
      k8s.calls.clear();
      ReconcileReport retry = reconciler.reconcile();
      assertThat(retry.changed()).containsExactlyInAnyOrder("broken", "lost");
      assertThat(k8s.calls).containsExactly("apply broken");
      assertThat(inventory.get("broken").orElseThrow().status()).isEqualTo(SyncStatus.SYNCED);

      // Removing an agent removes it from the inventory and its executor.
      ChangeRequest removal = f.changes.openFromFiles(ALICE, "remove worker", Map.of(), Set.of("agents/worker.yaml"));
      f.changes.approve(BOB, removal.id());
      k8s.calls.clear();
      f.changes.merge(CAROL, removal.id());
      assertThat(inventory.get("worker")).isEmpty();
      assertThat(k8s.calls).containsExactly("remove worker");
      assertThat(f.auditActions()).contains("reconcile.apply");
    }
  }

  @Test
  void historyAndRollback_restoreEarlierRevision() {
    try (Fixture f = Fixture.open(dir)) {
      Inventory inventory = Inventory.create();
      Reconciler reconciler = Reconciler.create(f.repo, f.changes, inventory, List.of(), List.of(), f.audit, Clock.systemUTC());
      String seed = f.repo.mainCommit();
      String path = "agents/reconciliation-finance.yaml";
      String original = f.repo.snapshot("main").text(path).orElseThrow();
      mergeNow(f, Map.of(path, original.replace("usd_per_day: 40", "usd_per_day: 400")));
      reconciler.reconcile();
      assertThat(reconciler.history("reconciliation-finance")).extracting(Revision::commit)
          .containsExactly(f.repo.mainCommit(), seed);

      ChangeRequest rollback = reconciler.rollback(ALICE, "reconciliation-finance", seed);
      assertThat(rollback.title()).isEqualTo("Roll back reconciliation-finance to " + seed.substring(0, 10));
      assertThat(f.changes.diff(rollback.id())).contains("-    usd_per_day: 400", "+    usd_per_day: 40");
      f.changes.approve(BOB, rollback.id());
      f.changes.merge(CAROL, rollback.id());
      reconciler.reconcile();
      assertThat(f.repo.snapshot("main").text(path)).hasValue(original);
      assertThat(inventory.get("reconciliation-finance").orElseThrow().descriptor().spec().budgets().usdPerDay())
          .isEqualByComparingTo("40");

      assertThatThrownBy(() -> reconciler.rollback(ALICE, "reconciliation-finance", seed))
          .isInstanceOfSatisfying(WardenException.class, e -> assertThat(e.code()).isEqualTo("invalid_input"))
          .hasMessageContaining("nothing to roll back");
      assertThatThrownBy(() -> reconciler.rollback(ALICE, "nobody", seed))
          .isInstanceOfSatisfying(WardenException.class, e -> assertThat(e.code()).isEqualTo("not_found"))
          .hasMessageContaining("agent 'nobody' has no file agents/nobody.yaml at revision");
      assertThatThrownBy(() -> reconciler.rollback(ALICE, "../x", seed))
          .isInstanceOfSatisfying(WardenException.class, e -> assertThat(e.code()).isEqualTo("invalid_input"));
    }
  }

  @Test
  void reconcile_unchangedMain_isNoopAndNotAudited() {
    try (Fixture f = Fixture.open(dir)) {
      Reconciler reconciler = Reconciler.create(f.repo, Inventory.create(), List.of(), List.of(), f.audit, Clock.systemUTC());
      reconciler.reconcile();
      long audited = f.auditActions().stream().filter("reconcile.apply"::equals).count();
      assertThat(reconciler.reconcile().noop()).isTrue();
      assertThat(f.auditActions().stream().filter("reconcile.apply"::equals).count()).isEqualTo(audited);
      RepoSnapshot main = f.repo.snapshot("main");
      assertThat(main.commit()).isEqualTo(f.repo.mainCommit());
    }
  }

  /** An executor whose runtime confirms what was applied until told it is down. */
  static final class RuntimeExecutor implements AgentExecutor {
    final Map<String, String> running = new java.util.concurrent.ConcurrentHashMap<>();
    volatile String down;

    @Override
    public String type() {
      return "k8s";
    }

    @Override
    public void remove(String agent) {
      running.remove(agent);
    }

    @Override
    public InvocationResult invoke(Invocation invocation) throws ExecutorException {
      throw new ExecutorException("reconcile never invokes", false);
    }

    @Override
    public void apply(AgentDescriptor descriptor, String revision) {
      if (down != null) {
        throw new IllegalStateException("runtime did not confirm revision: " + down);
      }
      running.put(descriptor.name(), revision);
    }

    @Override
    public ExecutorStatus status(String agent) {
      return down != null ? new ExecutorStatus(agent, ExecutorStatus.State.DEGRADED, null, down)
          : new ExecutorStatus(agent, ExecutorStatus.State.READY, running.get(agent), "");
    }
  }

  /** A reconciler with the {@code k8s} runtime that reconciles on every merge, and the agent "worker" merged onto it. */
  private static Reconciler workerOnK8s(Fixture f, Inventory inventory, RuntimeExecutor k8s) {
    Reconciler reconciler = Reconciler.create(f.repo, inventory, List.of(k8s), List.of(), f.audit, Clock.systemUTC());
    f.changes.addMergeListener(cr -> reconciler.reconcile());
    mergeNow(f, Map.of("agents/worker.yaml", agentYaml("worker", "executor:\n  type: k8s\n")));
    return reconciler;
  }

  @Test
  void recheckExecutors_degradesWhenTheRuntimeFailsAndSyncsWhenItConfirmsAgain() {
    try (Fixture f = Fixture.open(dir)) {
      Inventory inventory = Inventory.create();
      RuntimeExecutor k8s = new RuntimeExecutor();
      Reconciler reconciler = workerOnK8s(f, inventory, k8s);
      assertThat(inventory.get("worker").orElseThrow().status()).isEqualTo(SyncStatus.SYNCED);
      long audited = f.auditActions().size();

      // Nothing changed: nothing written.
      assertThat(reconciler.recheckExecutors()).isEmpty();
      assertThat(f.auditActions()).hasSize((int) audited);

      k8s.down = "health probe http://10.0.0.7/healthz: connection refused";
      assertThat(reconciler.recheckExecutors()).containsEntry("worker", SyncStatus.DEGRADED);
      assertThat(inventory.get("worker")).hasValueSatisfying(a -> {
        assertThat(a.status()).isEqualTo(SyncStatus.DEGRADED);
        assertThat(a.message()).isEqualTo("executor 'k8s': degraded: health probe http://10.0.0.7/healthz: connection refused");
      });
      // Still down: the retried apply fails, the agent stays DEGRADED with the executor's message.
      assertThat(reconciler.recheckExecutors()).isEmpty();
      assertThat(inventory.get("worker").orElseThrow().message())
          .isEqualTo("executor 'k8s' failed: runtime did not confirm revision: health probe http://10.0.0.7/healthz: connection refused");

      k8s.down = null;
      assertThat(reconciler.recheckExecutors()).containsEntry("worker", SyncStatus.SYNCED);
      assertThat(inventory.get("worker").orElseThrow().message()).isEmpty();
      assertThat(f.auditActions().stream().filter("reconcile.executor_status"::equals).count()).isEqualTo(2);
      // The reconcile-only agent without an executor was never asked about.
      assertThat(inventory.get("reconciliation-finance").orElseThrow().status()).isEqualTo(SyncStatus.SYNCED);
    }
  }

  @Test
  void recheckExecutors_aRuntimeAtAnotherRevision_isDegraded() {
    try (Fixture f = Fixture.open(dir)) {
      Inventory inventory = Inventory.create();
      RuntimeExecutor k8s = new RuntimeExecutor();
      Reconciler reconciler = workerOnK8s(f, inventory, k8s);
      k8s.running.put("worker", "0123456789abcdef");

      reconciler.recheckExecutors();

      assertThat(inventory.get("worker").orElseThrow().message())
          .isEqualTo("executor 'k8s': runtime runs revision 0123456789abcdef, not " + f.repo.mainCommit().substring(0, 10));
    }
  }
}
