package io.warden.executors.session;

import io.warden.core.approval.ApprovalService;
import io.warden.core.audit.AuditLog;
import io.warden.core.budget.BudgetLedger;
import io.warden.core.executor.AgentExecutor;
import io.warden.core.inventory.Inventory;
import io.warden.core.session.SessionRouter;
import io.warden.core.store.StateStore;
import io.warden.core.trace.SpanSink;
import io.warden.executors.internal.BuilderChecks;
import io.warden.executors.session.internal.RouterCore;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Options of the session router. Required: {@link #setStore}, {@link #setInventory},
 * {@link #setExecutors}, {@link #setAuditLog}, {@link #setBudgetLedger}.
 */
public final class SessionRouterBuilder {
  /** {@code max_concurrency} when the descriptor has no {@code spec.scaling}: {@value}. */
  public static final int DEFAULT_MAX_CONCURRENCY = 16;
  /** {@code max_queue} when the descriptor has no {@code spec.scaling}: {@value}. */
  public static final int DEFAULT_MAX_QUEUE = 64;
  /** How long an invocation may run unless {@code spec.executor.settings.timeout_seconds} says: 30 s. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  /** How long an idempotency key's first answer is kept: 24 h. */
  public static final Duration DEFAULT_IDEMPOTENCY_RETENTION = Duration.ofHours(24);
  /** How often expired session state and idempotency records are purged: 1 h. */
  public static final Duration DEFAULT_PURGE_EVERY = Duration.ofHours(1);

  private @Nullable StateStore store;
  private @Nullable Inventory inventory;
  private @Nullable Function<String, @Nullable AgentExecutor> executors;
  private @Nullable AuditLog audit;
  private @Nullable BudgetLedger ledger;
  private @Nullable ApprovalService approvals;
  private SpanSink spans = SpanSink.NOOP;
  private ComputePrice computePrice = ComputePrice.FREE;
  private SessionOwnership ownership = SessionOwnership.SINGLE_NODE;
  private Clock clock = Clock.systemUTC();
  private int defaultMaxConcurrency = DEFAULT_MAX_CONCURRENCY;
  private int defaultMaxQueue = DEFAULT_MAX_QUEUE;
  private Duration defaultTimeout = DEFAULT_TIMEOUT;
  private Duration idempotencyRetention = DEFAULT_IDEMPOTENCY_RETENTION;
  private Duration purgeEvery = DEFAULT_PURGE_EVERY;

  SessionRouterBuilder() {}

  /** Where sessions, checkpoints and idempotency records live (the appliance gives it a file of its own). */
  public SessionRouterBuilder setStore(StateStore store) {
    this.store = Objects.requireNonNull(store, "store");
    return this;
  }

  /** The agents on main: descriptors ({@code spec.scaling}, {@code spec.memory}, {@code spec.executor}). */
  public SessionRouterBuilder setInventory(Inventory inventory) {
    this.inventory = Objects.requireNonNull(inventory, "inventory");
    return this;
  }

  /** The executor adapters by {@code spec.executor.type}. */
  public SessionRouterBuilder setExecutors(Map<String, AgentExecutor> byType) {
    Map<String, AgentExecutor> copy = Map.copyOf(Objects.requireNonNull(byType, "byType"));
    this.executors = copy::get;
    return this;
  }

  /** The executor for a {@code spec.executor.type}, or null when none is installed. */
  public SessionRouterBuilder setExecutors(Function<String, @Nullable AgentExecutor> lookup) {
    this.executors = Objects.requireNonNull(lookup, "lookup");
    return this;
  }

  public SessionRouterBuilder setAuditLog(AuditLog audit) {
    this.audit = Objects.requireNonNull(audit, "audit");
    return this;
  }

  public SessionRouterBuilder setBudgetLedger(BudgetLedger ledger) {
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    return this;
  }

  /** Sessions parked for an approval resume when it is decided; without it such waits are refused. */
  public SessionRouterBuilder setApprovalService(ApprovalService approvals) {
    this.approvals = Objects.requireNonNull(approvals, "approvals");
    return this;
  }

  public SessionRouterBuilder setSpanSink(SpanSink spans) {
    this.spans = Objects.requireNonNull(spans, "spans");
    return this;
  }

  public SessionRouterBuilder setComputePrice(ComputePrice computePrice) {
    this.computePrice = Objects.requireNonNull(computePrice, "computePrice");
    return this;
  }

  public SessionRouterBuilder setOwnership(SessionOwnership ownership) {
    this.ownership = Objects.requireNonNull(ownership, "ownership");
    return this;
  }

  public SessionRouterBuilder setClock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** {@code max_concurrency} of an agent whose descriptor has no {@code spec.scaling.max_concurrency}. */
  public SessionRouterBuilder setDefaultMaxConcurrency(int maxConcurrency) {
    if (maxConcurrency <= 0) {
      throw new IllegalArgumentException("defaultMaxConcurrency must be positive, got " + maxConcurrency);
    }
    this.defaultMaxConcurrency = maxConcurrency;
    return this;
  }

  /** {@code max_queue} of an agent whose descriptor has no {@code spec.scaling.max_queue}. */
  public SessionRouterBuilder setDefaultMaxQueue(int maxQueue) {
    if (maxQueue <= 0) {
      throw new IllegalArgumentException("defaultMaxQueue must be positive, got " + maxQueue);
    }
    this.defaultMaxQueue = maxQueue;
    return this;
  }

  /** How long a runtime call may run unless {@code spec.executor.settings.timeout_seconds} says. */
  public SessionRouterBuilder setDefaultTimeout(Duration timeout) {
    this.defaultTimeout = BuilderChecks.positive(timeout, "defaultTimeout");
    return this;
  }

  public SessionRouterBuilder setIdempotencyRetention(Duration retention) {
    this.idempotencyRetention = BuilderChecks.positive(retention, "idempotencyRetention");
    return this;
  }

  public SessionRouterBuilder setPurgeEvery(Duration every) {
    this.purgeEvery = BuilderChecks.positive(every, "purgeEvery");
    return this;
  }

  public SessionRouter build() {
    if (store == null || inventory == null || executors == null || audit == null || ledger == null) {
      throw new IllegalStateException("store, inventory, executors, auditLog and budgetLedger must be set");
    }
    return new RouterCore(new RouterCore.Deps(store, inventory, executors, audit, ledger, approvals, spans,
        computePrice, ownership, clock, defaultMaxConcurrency, defaultMaxQueue, defaultTimeout, idempotencyRetention,
        purgeEvery));
  }
}
