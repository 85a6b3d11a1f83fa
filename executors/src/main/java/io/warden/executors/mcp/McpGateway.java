package io.warden.executors.mcp;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.inventory.MainBranchListener;
import io.warden.executors.internal.GatewayWiring;
import io.warden.executors.mcp.internal.McpCalls;
import io.warden.executors.mcp.internal.Upstreams;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCP gateway's endpoint {@code /mcp} (Streamable HTTP), mounted on the API server's router
 * beside the model gateway's {@code /v1/*}:
 *
 * <ul>
 *   <li>{@code POST /mcp}: one JSON-RPC message ({@code initialize}, {@code ping},
 *       {@code tools/list}, {@code tools/call}, notifications); a held {@code tools/call} answers as
 *       an SSE stream of progress notifications ending with the result;
 *   <li>{@code DELETE /mcp}: ends the {@code Mcp-Session-Id} session;
 *   <li>{@code GET /mcp}: 405, the gateway opens no stream of its own.
 * </ul>
 *
 * <p>Upstream servers are reached over Streamable HTTP or run as supervised stdio child processes
 * ({@link McpTransport}); {@link #upstreams()} shows their state.
 *
 * <p>Callers authenticate as an agent ({@code Authorization: Bearer} credential or scoped token).
 * The upstream servers follow {@code mcp/*.yaml} on {@code main} ({@link #mainListener()}).
 */
public final class McpGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(McpGateway.class);
  /** The endpoint's path. */
  public static final String PATH = "/mcp";

  private final AtomicReference<McpServers> servers;
  private final Upstreams upstreams;
  private final McpCalls calls;
  private final long maxRequestBytes;

  McpGateway(McpGatewayBuilder b, GatewayWiring w) {
    this.servers = new AtomicReference<>(b.servers);
    this.maxRequestBytes = w.maxRequestBytes();
    // Supervising real processes runs on wall-clock time, whatever clock the call path uses.
    this.upstreams = new Upstreams(b.upstreamTimeout, java.time.Clock.systemUTC());
    this.calls = new McpCalls(new McpCalls.Deps(w.vertx(), w.identity(), w.inventory(), w.ledger(), w.policy(), w.audit(),
        w.spans(), b.approvals, b.shadow, servers::get, upstreams, w.clock(), b.progressEvery, b.maxSessions, b.sessionIdle));
    upstreams.apply(b.servers);
  }

  public static McpGatewayBuilder builder() {
    return new McpGatewayBuilder();
  }

  /**
   * Adds the {@code /mcp} routes to {@code router}. They authenticate callers themselves and answer
   * in JSON-RPC, so the router's own authentication must leave {@code /mcp} alone.
   */
  public void mount(Router router) {
    Objects.requireNonNull(router, "router");
    router.route(PATH).handler(BodyHandler.create().setBodyLimit(maxRequestBytes).setHandleFileUploads(false));
    router.post(PATH).handler(calls::handlePost);
    router.delete(PATH).handler(calls::handleDelete);
    router.get(PATH).handler(calls::handleGet);
    router.route(PATH).failureHandler(ctx -> {
      if (ctx.failure() != null) {
        LOG.warn("MCP gateway request failed", ctx.failure());
      }
      int status = ctx.statusCode() < 400 ? 500 : ctx.statusCode();
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
          .end("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\""
              + (status == 413 ? "message over " + maxRequestBytes + " bytes" : "request failed") + "\"}}");
    });
  }

  /** Reloads {@code mcp/*.yaml} when reconcile applies a new {@code main}; bad files keep the last good set. */
  public MainBranchListener mainListener() {
    return this::onMainChanged;
  }

  private void onMainChanged(RepoSnapshot main) {
    try {
      McpServers next = McpServers.of(main);
      servers.set(next);
      upstreams.apply(next);
      calls.forgetUpstreamTools();
    } catch (RuntimeException e) {
      LOG.warn("invalid mcp/ declarations on main {}; keeping the previous ones: {}", main.commit(), e.getMessage());
    }
    calls.resumeApproved();
  }

  /** Runs approved calls that never started, e.g. approved while Warden was down. */
  public void resumeApproved() {
    calls.resumeApproved();
  }

  /** The declarations in force. */
  public McpServers servers() {
    return servers.get();
  }

  /** Replaces the declarations (tests, and the appliance before the first reconcile). */
  public void setServers(McpServers next) {
    servers.set(Objects.requireNonNull(next, "next"));
    upstreams.apply(next);
    calls.forgetUpstreamTools();
  }

  /**
   * The connection state of every declared upstream server: for a stdio server its process id,
   * restarts, last exit and the tail of its stderr.
   */
  public List<McpUpstreamStatus> upstreams() {
    return upstreams.status(servers.get());
  }

  @Override
  public void close() {
    calls.close();
    upstreams.close();
  }
}
