package io.warden.executors.mcp;

import io.warden.core.approval.ApprovalService;
import io.warden.core.shadow.ShadowLedger;
import io.warden.executors.internal.AbstractGatewayBuilder;
import io.warden.executors.internal.GatewayWiring;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** Builds a {@link McpGateway}; obtain one with {@link McpGateway#builder()}. */
public final class McpGatewayBuilder extends AbstractGatewayBuilder<McpGatewayBuilder> {
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

  @Nullable ApprovalService approvals;
  @Nullable ShadowLedger shadow;
  McpServers servers = McpServers.none();
  Duration upstreamTimeout = DEFAULT_UPSTREAM_TIMEOUT;
  Duration progressEvery = DEFAULT_PROGRESS_EVERY;
  int maxSessions = DEFAULT_MAX_SESSIONS;
  Duration sessionIdle = DEFAULT_SESSION_IDLE;

  McpGatewayBuilder() {
    super(DEFAULT_MAX_REQUEST_BYTES);
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

  public McpGateway build() {
    GatewayWiring wiring = wiring();
    Objects.requireNonNull(approvals, "approvalService must be set");
    return new McpGateway(this, wiring);
  }
}
