package io.warden.ui;

import io.warden.core.approval.ApprovalService;
import io.warden.core.audit.AuditLog;
import io.warden.core.audit.AuditVerifier;
import io.warden.core.budget.BudgetLedger;
import io.warden.core.health.HealthIndicator;
import io.warden.core.identity.IdentityService;
import io.warden.core.inventory.Inventory;
import io.warden.core.shadow.ShadowLedger;
import io.warden.executors.gateway.ModelGateway;
import io.warden.gitops.ChangeRequests;
import io.warden.gitops.Reconciler;
import io.warden.gitops.WardenRepository;
import io.warden.policy.DecisionLog;
import io.warden.tracestore.TraceStore;
import io.warden.ui.internal.ApprovalFeed;
import io.warden.ui.internal.Services;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** Builds a {@link Console}: where it listens and the services it reads. Every service is required but the gateway. */
public final class ConsoleBuilder {
  private String host = "127.0.0.1";
  private int port = 8081;
  private @Nullable Path workDir;
  private @Nullable IdentityService identity;
  private @Nullable Inventory inventory;
  private @Nullable WardenRepository repository;
  private @Nullable Reconciler reconciler;
  private @Nullable ChangeRequests changes;
  private @Nullable ApprovalService approvals;
  private @Nullable AuditLog audit;
  private @Nullable Supplier<AuditVerifier.Result> auditVerification;
  private @Nullable TraceStore traces;
  private @Nullable DecisionLog decisions;
  private @Nullable BudgetLedger budgets;
  private @Nullable ShadowLedger shadow;
  private @Nullable ModelGateway gateway;
  private final Map<String, HealthIndicator> health = new LinkedHashMap<>();
  private Clock clock = Clock.systemUTC();

  ConsoleBuilder() {}

  public ConsoleBuilder setHost(String host) {
    this.host = Objects.requireNonNull(host, "host");
    return this;
  }

  /** 0 picks a free port ({@link Console#port()} tells which). */
  public ConsoleBuilder setPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0-65535, got " + port);
    }
    this.port = port;
    return this;
  }

  /** Where Jetty keeps its temporary files (an empty directory is created under it). */
  public ConsoleBuilder setWorkDir(Path workDir) {
    this.workDir = Objects.requireNonNull(workDir, "workDir");
    return this;
  }

  public ConsoleBuilder setIdentityService(IdentityService identity) {
    this.identity = Objects.requireNonNull(identity, "identity");
    return this;
  }

  public ConsoleBuilder setInventory(Inventory inventory) {
    this.inventory = Objects.requireNonNull(inventory, "inventory");
    return this;
  }

  /** The governance repository (revision diffs). */
  public ConsoleBuilder setRepository(WardenRepository repository) {
    this.repository = Objects.requireNonNull(repository, "repository");
    return this;
  }

  public ConsoleBuilder setReconciler(Reconciler reconciler) {
    this.reconciler = Objects.requireNonNull(reconciler, "reconciler");
    return this;
  }

  public ConsoleBuilder setChangeRequests(ChangeRequests changes) {
    this.changes = Objects.requireNonNull(changes, "changes");
    return this;
  }

  public ConsoleBuilder setApprovalService(ApprovalService approvals) {
    this.approvals = Objects.requireNonNull(approvals, "approvals");
    return this;
  }

  /** The audit log, and its file for the Audit page's chain verification ({@link AuditVerifier}). */
  public ConsoleBuilder setAuditLog(AuditLog audit, Path file) {
    this.audit = Objects.requireNonNull(audit, "audit");
    Objects.requireNonNull(file, "file");
    this.auditVerification = () -> AuditVerifier.verify(file);
    return this;
  }

  public ConsoleBuilder setTraceStore(TraceStore traces) {
    this.traces = Objects.requireNonNull(traces, "traces");
    return this;
  }

  public ConsoleBuilder setDecisionLog(DecisionLog decisions) {
    this.decisions = Objects.requireNonNull(decisions, "decisions");
    return this;
  }

  public ConsoleBuilder setBudgetLedger(BudgetLedger budgets) {
    this.budgets = Objects.requireNonNull(budgets, "budgets");
    return this;
  }

  public ConsoleBuilder setShadowLedger(ShadowLedger shadow) {
    this.shadow = Objects.requireNonNull(shadow, "shadow");
    return this;
  }

  public ConsoleBuilder setModelGateway(ModelGateway gateway) {
    this.gateway = Objects.requireNonNull(gateway, "gateway");
    return this;
  }

  /** A component on the Health page, in the order added. */
  public ConsoleBuilder addHealth(String component, HealthIndicator indicator) {
    health.put(Objects.requireNonNull(component, "component"), Objects.requireNonNull(indicator, "indicator"));
    return this;
  }

  public ConsoleBuilder setClock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** Starts the console; {@link Console#close()} stops it. */
  public Console start() {
    Services services = new Services(required(identity, "identity service"), required(inventory, "inventory"),
        required(repository, "repository"),
        required(reconciler, "reconciler"), required(changes, "change requests"),
        required(approvals, "approval service"), required(audit, "audit log"),
        required(auditVerification, "audit log"), required(traces, "trace store"),
        required(decisions, "decision log"), required(budgets, "budget ledger"), required(shadow, "shadow ledger"),
        gateway, health, clock, ApprovalFeed.on(required(approvals, "approval service")));
    return Console.start(host, port, required(workDir, "work directory"), services);
  }

  private static <T> T required(@Nullable T value, String what) {
    if (value == null) {
      throw new IllegalStateException("the console needs the " + what + ": set it on the builder");
    }
    return value;
  }
}
