package io.warden.executors.mcp;

import io.vertx.core.Vertx;
import io.warden.core.approval.ApprovalService;
import io.warden.core.shadow.ShadowLedger;
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

/** Builds a {@link McpGateway}; obtain one with {@link McpGateway#builder()}. */
public final class McpGatewayBuilder {
  /** Longest wait for an upstream MCP server's answer: 60 seconds. */
  public static final Duration DEFAULT_UPSTREAM_TIMEOUT = Duration.ofSeconds(60);
  /** How often a held call's client gets a progress notification: 10 seconds. */
  public static final Duration DEFAULT_PROGRESS_EVERY = Duration.ofSeconds(10);
  /** Most MCP sessions open at once: {@value}; past it {@code initialize} answers 503. */
  public static final int DEFAULT_MAX_SESSIONS = 10_000;
  /**
   * A session nobody used this long expires: 2 hours, longer than the default approval timeout, so a
   * client waiting on a held call keeps its session.
   */
  public static final Duration DEFAULT_SESSION_IDLE = Duration.ofHours(2);
  /** Largest JSON-RPC message accepted, in bytes: {@value}. */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 4L << 20;

  @Nullable Vertx vertx;
  @Nullable IdentityService identity;
  @Nullable Inventory inventory;
  @Nullable BudgetLedger ledger;
  PolicyDecider policy = PolicyDecider.DENY_ALL;
  @Nullable AuditLog audit;
  SpanSink spans = SpanSink.NOOP;
  @Nullable ApprovalService approvals;
  @Nullable ShadowLedger shadow;
  McpServers servers = McpServers.none();
  Clock clock = Clock.systemUTC();
  Duration upstreamTimeout = DEFAULT_UPSTREAM_TIMEOUT;
  Duration progressEvery = DEFAULT_PROGRESS_EVERY;
  long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
  int maxSessions = DEFAULT_MAX_SESSIONS;
  Duration sessionIdle = DEFAULT_SESSION_IDLE;

  McpGatewayBuilder() {}

  public McpGatewayBuilder setVertx(Vertx vertx) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    return this;
  }

  public McpGatewayBuilder setIdentityService(IdentityService identity) {
    this.identity = Objects.requireNonNull(identity, "identity");
    return this;
  }

  public McpGatewayBuilder setInventory(Inventory inventory) {
    this.inventory = Objects.requireNonNull(inventory, "inventory");
    return this;
  }

  public McpGatewayBuilder setBudgetLedger(BudgetLedger ledger) {
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    return this;
  }

  /** Defaults to {@link PolicyDecider#DENY_ALL}. */
  public McpGatewayBuilder setPolicyDecider(PolicyDecider policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
    return this;
  }

  public McpGatewayBuilder setAuditLog(AuditLog audit) {
    this.audit = Objects.requireNonNull(audit, "audit");
    return this;
  }

  /** Where the {@code execute_tool} spans go; defaults to {@link SpanSink#NOOP}. */
  public McpGatewayBuilder setSpanSink(SpanSink spans) {
    this.spans = Objects.requireNonNull(spans, "spans");
    return this;
  }

  public McpGatewayBuilder setApprovalService(ApprovalService approvals) {
    this.approvals = Objects.requireNonNull(approvals, "approvals");
    return this;
  }

  /**
   * Where side-effecting calls of agents in {@code spec.autonomy: shadow} are captured. Unset: such
   * calls are refused (never executed).
   */
  public McpGatewayBuilder setShadowLedger(ShadowLedger shadow) {
    this.shadow = Objects.requireNonNull(shadow, "shadow");
    return this;
  }

  /** The declarations to start with (main's {@code mcp/} replaces them); defaults to none. */
  public McpGatewayBuilder setServers(McpServers servers) {
    this.servers = Objects.requireNonNull(servers, "servers");
    return this;
  }

  public McpGatewayBuilder setClock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** Defaults to 60 seconds. */
  public McpGatewayBuilder setUpstreamTimeout(Duration timeout) {
    this.upstreamTimeout = positive(timeout, "upstreamTimeout");
    return this;
  }

  /** Defaults to 10 seconds. */
  public McpGatewayBuilder setProgressEvery(Duration every) {
    this.progressEvery = positive(every, "progressEvery");
    return this;
  }

  /** Defaults to {@value #DEFAULT_MAX_REQUEST_BYTES}. */
  public McpGatewayBuilder setMaxRequestBytes(long maxRequestBytes) {
    if (maxRequestBytes <= 0) {
      throw new IllegalArgumentException("maxRequestBytes must be positive, got " + maxRequestBytes);
    }
    this.maxRequestBytes = maxRequestBytes;
    return this;
  }

  /** Defaults to {@value #DEFAULT_MAX_SESSIONS}. */
  public McpGatewayBuilder setMaxSessions(int maxSessions) {
    if (maxSessions <= 0) {
      throw new IllegalArgumentException("maxSessions must be positive, got " + maxSessions);
    }
    this.maxSessions = maxSessions;
    return this;
  }

  /** Defaults to 2 hours. */
  public McpGatewayBuilder setSessionIdleTimeout(Duration idle) {
    this.sessionIdle = positive(idle, "sessionIdleTimeout");
    return this;
  }

  private static Duration positive(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }

  public McpGateway build() {
    Objects.requireNonNull(vertx, "vertx must be set");
    Objects.requireNonNull(identity, "identityService must be set");
    Objects.requireNonNull(inventory, "inventory must be set");
    Objects.requireNonNull(ledger, "budgetLedger must be set");
    Objects.requireNonNull(audit, "auditLog must be set");
    Objects.requireNonNull(approvals, "approvalService must be set");
    return new McpGateway(this);
  }
}
