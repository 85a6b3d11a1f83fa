package io.warden.gitops;

import io.warden.core.WardenException;
import io.warden.core.audit.AuditLog;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.descriptor.DescriptorParser;
import io.warden.core.executor.AgentExecutor;
import io.warden.core.executor.ExecutorStatus;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.MainBranchListener;
import io.warden.core.inventory.SyncStatus;
import io.warden.gitops.internal.PathRules;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code main} to the inventory and the executors: agents added, changed and removed, each
 * with the revision (the last {@code main} commit that changed its file) and a status — SYNCED,
 * OUT_OF_SYNC while being applied, or DEGRADED with the reason when its executor failed or no
 * executor of its {@code spec.executor.type} is registered. Agents without {@code spec.executor} are
 * SYNCED once in the inventory: Warden governs them at its gateways. An executor's {@code apply}
 * returns only once the runtime confirms the revision, so SYNCED means the runtime runs it. Degraded
 * agents are retried on every reconcile and every {@link #recheckExecutors()}, which also marks a
 * SYNCED agent DEGRADED when its runtime stops being READY at its revision. After the agents, the {@link MainBranchListener}s (policy sync, pricing) are told.
 *
 * <p>Call {@link #reconcile()} at startup and after every merge
 * ({@code changes.addMergeListener(cr -> reconciler.reconcile())}). Reconciles are serialised.
 */
public final class Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
  private static final int HISTORY_LIMIT = 100;

  private final WardenRepository repo;
  private final ChangeRequests changes;
  private final Inventory inventory;
  private final Map<String, AgentExecutor> executors;
  private final List<MainBranchListener> listeners;
  private final AuditLog audit;
  private final Clock clock;
  private final DescriptorParser parser = DescriptorParser.create();
  private String listenersToldAbout = "";

  private Reconciler(WardenRepository repo, ChangeRequests changes, Inventory inventory, List<AgentExecutor> executors,
      List<MainBranchListener> listeners, AuditLog audit, Clock clock) {
    this.repo = repo;
    this.changes = changes;
    this.inventory = inventory;
    Map<String, AgentExecutor> byType = new TreeMap<>();
    for (AgentExecutor executor : executors) {
      AgentExecutor previous = byType.putIfAbsent(executor.type(), executor);
      if (previous != null) {
        throw new IllegalArgumentException("two executors have type '" + executor.type() + "': types must be unique");
      }
    }
    this.executors = byType;
    this.listeners = List.copyOf(listeners);
    this.audit = audit;
    this.clock = clock;
  }

  /** A reconciler without rollback (it opens change requests): {@link #rollback} is refused. */
  public static Reconciler create(WardenRepository repo, Inventory inventory, List<AgentExecutor> executors,
      List<MainBranchListener> listeners, AuditLog audit, Clock clock) {
    return create(repo, null, inventory, executors, listeners, audit, clock);
  }

  /** @param changes the repository's change requests, which {@link #rollback} opens one in */
  public static Reconciler create(WardenRepository repo, ChangeRequests changes, Inventory inventory,
      List<AgentExecutor> executors, List<MainBranchListener> listeners, AuditLog audit, Clock clock) {
    return new Reconciler(Objects.requireNonNull(repo, "repo"), changes, Objects.requireNonNull(inventory, "inventory"),
        Objects.requireNonNull(executors, "executors"), Objects.requireNonNull(listeners, "listeners"),
        Objects.requireNonNull(audit, "audit"), Objects.requireNonNull(clock, "clock"));
  }

  /** Applies the current {@code main}; returns what it did (callers may ignore it). */
  public synchronized ReconcileReport reconcile() {
    RepoSnapshot main = repo.snapshot(WardenRepository.MAIN_REF);
    Map<String, AgentState> before = new TreeMap<>();
    inventory.list().forEach(a -> before.put(a.name(), a));

    Map<String, AgentDescriptor> declared = new TreeMap<>();
    Map<String, String> revisions = new TreeMap<>();
    Map<String, String> skipped = new TreeMap<>();
    Map<String, String> lastChanges = repo.lastChanges(main.under("agents/").keySet());
    main.under("agents/").forEach((path, content) -> {
      if (!PathRules.isAgentDescriptor(path)) {
        return;
      }
      DescriptorParser.Result parsed = parser.parse(path, content);
      if (!parsed.ok()) {
        skipped.put(path, parsed.problems().get(0).toString());
        return;
      }
      declared.put(parsed.descriptor().name(), parsed.descriptor());
      revisions.put(parsed.descriptor().name(), lastChanges.getOrDefault(path, main.commit()));
    });

    List<String> added = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    List<String> removed = new ArrayList<>(before.keySet());
    removed.removeAll(declared.keySet());
    Instant now = clock.instant();
    Map<String, AgentState> next = new TreeMap<>();
    List<String> toApply = new ArrayList<>();
    for (Map.Entry<String, AgentDescriptor> entry : declared.entrySet()) {
      String name = entry.getKey();
      AgentState old = before.get(name);
      String revision = revisions.get(name);
      if (old == null) {
        added.add(name);
      } else if (!old.descriptor().equals(entry.getValue()) || !old.revision().equals(revision)) {
        changed.add(name);
      } else if (old.status() == SyncStatus.SYNCED) {
        next.put(name, old);
        continue;
      } else {
        changed.add(name); // retry what failed last time
      }
      toApply.add(name);
      next.put(name, new AgentState(entry.getValue(), revision, SyncStatus.OUT_OF_SYNC, "being applied", now));
    }
    // Readers see the new declarations as OUT_OF_SYNC while executors work; removed agents go at the end.
    Map<String, AgentState> during = new TreeMap<>(next);
    removed.forEach(name -> during.put(name, before.get(name)));
    inventory.replace(inventory.appliedCommit(), during.values());

    Map<String, String> degraded = new LinkedHashMap<>();
    for (String name : toApply) {
      AgentState pending = next.get(name);
      Optional<String> failure = apply(pending.descriptor(), pending.revision());
      failure.ifPresent(reason -> degraded.put(name, reason));
      next.put(name, new AgentState(pending.descriptor(), pending.revision(),
          failure.isPresent() ? SyncStatus.DEGRADED : SyncStatus.SYNCED, failure.orElse(""), clock.instant()));
    }
    for (String name : removed) {
      remove(before.get(name).descriptor()).ifPresent(reason ->
          LOG.warn("agent {} left main but its executor could not remove it: {}", name, reason));
    }
    inventory.replace(main.commit(), next.values());

    List<String> listenerFailures = new ArrayList<>();
    if (!main.commit().equals(listenersToldAbout)) {
      for (MainBranchListener listener : listeners) {
        try {
          listener.onMainChanged(main);
        } catch (Exception e) {
          LOG.warn("main-branch listener {} failed on {}", listener, main.commit(), e);
          listenerFailures.add(listener.getClass().getSimpleName() + ": " + e.getMessage());
        }
      }
      listenersToldAbout = listenerFailures.isEmpty() ? main.commit() : "";
    }

    ReconcileReport report = new ReconcileReport(main.commit(), added, changed, removed, degraded, skipped, listenerFailures);
    if (!report.noop() || !degraded.isEmpty()) {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("commit", main.commit());
      details.put("added", added);
      details.put("changed", changed);
      details.put("removed", removed);
      details.put("degraded", degraded);
      if (!skipped.isEmpty()) {
        details.put("skipped", skipped);
      }
      if (!listenerFailures.isEmpty()) {
        details.put("listener_failures", listenerFailures);
      }
      audit.append("system", "reconcile.apply", "repo/main", details);
    }
    return report;
  }

  /**
   * Asks each applied agent's executor about its runtime, between reconciles (the appliance calls it
   * periodically). A SYNCED agent whose executor no longer reports it READY at its revision becomes
   * DEGRADED with the executor's message; a DEGRADED agent is applied again and becomes SYNCED once
   * its executor confirms the revision. Agents without {@code spec.executor} and OUT_OF_SYNC ones are
   * left alone. Each change of status is audited ({@code reconcile.executor_status}); a re-check that
   * changes nothing writes nothing.
   *
   * @return the agents whose status changed, with their new status
   */
  public synchronized Map<String, SyncStatus> recheckExecutors() {
    String commit = inventory.appliedCommit();
    Map<String, AgentState> next = new TreeMap<>();
    Map<String, SyncStatus> changedStatus = new TreeMap<>();
    boolean touched = false;
    for (AgentState state : inventory.list()) {
      next.put(state.name(), state);
      AgentDescriptor.Executor spec = state.descriptor().spec().executor();
      if (spec == null || spec.type() == null || state.status() == SyncStatus.OUT_OF_SYNC) {
        continue;
      }
      AgentState updated = state;
      if (state.status() == SyncStatus.SYNCED) {
        AgentExecutor executor = executors.get(spec.type());
        Optional<String> problem = executor == null ? Optional.empty() : notReady(executor, state);
        if (problem.isPresent()) {
          updated = new AgentState(state.descriptor(), state.revision(), SyncStatus.DEGRADED, problem.get(), clock.instant());
        }
      } else if (state.status() == SyncStatus.DEGRADED) {
        Optional<String> failure = apply(state.descriptor(), state.revision());
        if (failure.isEmpty()) {
          updated = new AgentState(state.descriptor(), state.revision(), SyncStatus.SYNCED, "", clock.instant());
        } else if (!failure.get().equals(state.message())) {
          updated = new AgentState(state.descriptor(), state.revision(), SyncStatus.DEGRADED, failure.get(), state.updatedAt());
        }
      }
      if (updated != state) {
        next.put(state.name(), updated);
        touched = true;
        if (updated.status() != state.status()) {
          changedStatus.put(state.name(), updated.status());
          Map<String, Object> details = new LinkedHashMap<>();
          details.put("revision", state.revision());
          details.put("from", state.status().name());
          details.put("to", updated.status().name());
          details.put("message", updated.message());
          audit.append("system", "reconcile.executor_status", "agent/" + state.name(), details);
        }
      }
    }
    if (touched) {
      inventory.replace(commit, next.values());
    }
    return changedStatus;
  }

  /** Why the executor does not report the agent READY at its revision, or empty when it does. */
  private static Optional<String> notReady(AgentExecutor executor, AgentState state) {
    ExecutorStatus status;
    try {
      status = executor.status(state.name());
    } catch (RuntimeException e) {
      return Optional.of("executor '" + executor.type() + "' status failed: " + e.getMessage());
    }
    if (status.state() == ExecutorStatus.State.READY && state.revision().equals(status.revision())) {
      return Optional.empty();
    }
    String why = status.state() == ExecutorStatus.State.READY
        ? "runtime runs revision " + status.revision() + ", not " + shortId(state.revision())
        : status.state().name().toLowerCase(java.util.Locale.ROOT) + (status.message().isEmpty() ? "" : ": " + status.message());
    return Optional.of("executor '" + executor.type() + "': " + why);
  }

  /** The revisions of an agent's descriptor on {@code main}, newest first. */
  public List<Revision> history(String agent) {
    return repo.history(PathRules.agentPath(Objects.requireNonNull(agent, "agent")), HISTORY_LIMIT);
  }

  /**
   * Opens a change request that restores {@code agents/<agent>.yaml} to its content at
   * {@code revision} (a commit id or ref); merging it is the rollback.
   */
  public ChangeRequest rollback(UserPrincipal actor, String agent, String revision) {
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(revision, "revision");
    String path = PathRules.agentPath(agent);
    PathRules.problem(path).ifPresent(m -> {
      throw WardenException.invalid("agent name '" + agent + "' is not valid: " + m);
    });
    if (changes == null) {
      throw new IllegalStateException("rollback needs ChangeRequests: create the reconciler with them");
    }
    RepoSnapshot then = repo.snapshot(revision);
    byte[] content = then.files().get(path);
    if (content == null) {
      throw WardenException.notFound("agent '" + agent + "' has no file " + path + " at revision "
          + shortId(then.commit()) + ": pick a revision from its history");
    }
    byte[] now = repo.snapshot(WardenRepository.MAIN_REF).files().get(path);
    if (java.util.Arrays.equals(now, content)) {
      throw WardenException.invalid(path + " on main already matches revision " + shortId(then.commit())
          + ": nothing to roll back");
    }
    return changes.openFromFiles(actor, "Roll back " + agent + " to " + shortId(then.commit()),
        Map.of(path, content), Set.of());
  }

  private Optional<String> apply(AgentDescriptor descriptor, String revision) {
    AgentDescriptor.Executor spec = descriptor.spec().executor();
    if (spec == null || spec.type() == null) {
      return Optional.empty();
    }
    AgentExecutor executor = executors.get(spec.type());
    if (executor == null) {
      return Optional.of("no executor of type '" + spec.type() + "' is registered"
          + (executors.isEmpty() ? "" : "; available: " + String.join(", ", executors.keySet()))
          + ": fix spec.executor.type or install the executor");
    }
    try {
      executor.apply(descriptor, revision);
      return Optional.empty();
    } catch (Exception e) {
      LOG.warn("executor {} failed to apply agent {}", spec.type(), descriptor.name(), e);
      return Optional.of("executor '" + spec.type() + "' failed: " + e.getMessage());
    }
  }

  private Optional<String> remove(AgentDescriptor descriptor) {
    AgentDescriptor.Executor spec = descriptor.spec().executor();
    AgentExecutor executor = spec == null || spec.type() == null ? null : executors.get(spec.type());
    if (executor == null) {
      return Optional.empty();
    }
    try {
      executor.remove(descriptor.name());
      return Optional.empty();
    } catch (Exception e) {
      return Optional.of(e.getMessage());
    }
  }

  private static String shortId(String commit) {
    return commit.length() > 10 ? commit.substring(0, 10) : commit;
  }
}
