package io.warden.executors.internal;

import io.vertx.core.Vertx;
import io.warden.core.audit.AuditLog;
import io.warden.core.budget.BudgetLedger;
import io.warden.core.identity.IdentityService;
import io.warden.core.inventory.Inventory;
import io.warden.core.policy.PolicyDecider;
import io.warden.core.trace.SpanSink;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The setters every gateway builder shares (model gateway, MCP gateway), so each builder only adds
 * what is its own. {@code B} is the concrete builder, returned by every setter for chaining.
 */
public abstract class AbstractGatewayBuilder<B extends AbstractGatewayBuilder<B>> {
  private @Nullable Vertx vertx;
  private @Nullable IdentityService identity;
  private @Nullable Inventory inventory;
  private @Nullable BudgetLedger ledger;
  private PolicyDecider policy = PolicyDecider.DENY_ALL;
  private @Nullable AuditLog audit;
  private SpanSink spans = SpanSink.NOOP;
  private Clock clock = Clock.systemUTC();
  private long maxRequestBytes;

  protected AbstractGatewayBuilder(long defaultMaxRequestBytes) {
    this.maxRequestBytes = defaultMaxRequestBytes;
  }

  private B self() {
    @SuppressWarnings("unchecked")
    B self = (B) this;
    return self;
  }

  public B setVertx(Vertx vertx) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    return self();
  }

  public B setIdentityService(IdentityService identity) {
    this.identity = Objects.requireNonNull(identity, "identity");
    return self();
  }

  public B setInventory(Inventory inventory) {
    this.inventory = Objects.requireNonNull(inventory, "inventory");
    return self();
  }

  public B setBudgetLedger(BudgetLedger ledger) {
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    return self();
  }

  /** Defaults to {@link PolicyDecider#DENY_ALL}. */
  public B setPolicyDecider(PolicyDecider policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
    return self();
  }

  public B setAuditLog(AuditLog audit) {
    this.audit = Objects.requireNonNull(audit, "audit");
    return self();
  }

  /** Where the gateway's spans go; defaults to {@link SpanSink#NOOP}. */
  public B setSpanSink(SpanSink spans) {
    this.spans = Objects.requireNonNull(spans, "spans");
    return self();
  }

  public B setClock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return self();
  }

  /** Largest request body, in bytes; defaults to the concrete builder's {@code DEFAULT_MAX_REQUEST_BYTES}. */
  public B setMaxRequestBytes(long maxRequestBytes) {
    if (maxRequestBytes <= 0) {
      throw new IllegalArgumentException("maxRequestBytes must be positive, got " + maxRequestBytes);
    }
    this.maxRequestBytes = maxRequestBytes;
    return self();
  }

  /** The shared wiring, after checking that every required part was set. */
  protected final GatewayWiring wiring() {
    return new GatewayWiring(
        Objects.requireNonNull(vertx, "vertx must be set"),
        Objects.requireNonNull(identity, "identityService must be set"),
        Objects.requireNonNull(inventory, "inventory must be set"),
        Objects.requireNonNull(ledger, "budgetLedger must be set"),
        policy,
        Objects.requireNonNull(audit, "auditLog must be set"),
        spans,
        clock,
        maxRequestBytes);
  }

  /** {@code d}, refused unless it is longer than zero; {@code what} names it in the error. */
  protected static Duration positive(Duration d, String what) {
    return BuilderChecks.positive(d, what);
  }
}
