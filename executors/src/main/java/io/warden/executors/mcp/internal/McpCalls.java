package io.warden.executors.mcp.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.warden.core.WardenException;
import io.warden.core.approval.Approval;
import io.warden.core.approval.ApprovalRequest;
import io.warden.core.approval.ApprovalService;
import io.warden.core.audit.AuditLog;
import io.warden.core.budget.BudgetExceededException;
import io.warden.core.budget.BudgetLedger;
import io.warden.core.budget.BudgetRequest;
import io.warden.core.budget.Reservation;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.shadow.ShadowAction;
import io.warden.core.shadow.ShadowLedger;
import io.warden.core.identity.AgentPrincipal;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.Principal;
import io.warden.core.identity.TooManyFailedAuthentications;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.policy.DecisionInput;
import io.warden.core.policy.PolicyDecider;
import io.warden.core.policy.PolicyDecision;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanSink;
import io.warden.executors.gateway.internal.TraceContext;
import io.warden.executors.mcp.McpServer;
import io.warden.executors.mcp.McpServers;
import io.warden.executors.mcp.McpTool;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCP gateway's endpoint: JSON-RPC 2.0 over Streamable HTTP ({@code POST /mcp} with
 * {@code Mcp-Session-Id}), serving {@code initialize}, {@code ping}, {@code tools/list} and
 * {@code tools/call}, and the call path behind it: authenticate, check the tool against the
 * descriptor and token, reserve budget, ask policy ({@code tool.call} with the action value), hold
 * for approval, forward to the upstream server, settle, span and audit.
 *
 * <p>A held call answers as an SSE stream (when the client accepts one) carrying progress
 * notifications until the approval is decided, then the result. Blocking work runs on virtual
 * threads; the event loop only parses and writes.
 *
 * <p>Internal: not public API.
 */
public final class McpCalls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(McpCalls.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  static final String SERVICE = "warden-mcp-gateway";
  /** Protocol revisions this endpoint speaks, newest first. */
  static final List<String> VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");
  private static final int MAX_TEXT = 16_384;
  static final int PARSE_ERROR = -32700;
  static final int INVALID_REQUEST = -32600;
  static final int METHOD_NOT_FOUND = -32601;
  static final int INVALID_PARAMS = -32602;
  /** Tool-level task negotiation: every tool may be called as a task. */
  private static final ObjectNode TASK_OPTIONAL = JSON.createObjectNode().put("taskSupport", "optional");
  /** The longest a task of a call that was not held is kept: 1 hour. */
  private static final Duration MAX_TASK_TTL = Duration.ofHours(1);
  private static final long TASK_POLL_MILLIS = 5_000;
  private static final int MAX_LISTED_TASKS = 100;

  /** What the call path needs. */
  public record Deps(
      Vertx vertx, IdentityService identity, Inventory inventory, BudgetLedger ledger, PolicyDecider policy,
      AuditLog audit, SpanSink spans, ApprovalService approvals, @Nullable ShadowLedger shadow,
      Supplier<McpServers> servers, Upstreams upstreams,
      Clock clock, Duration progressEvery, int maxSessions, Duration sessionIdle) {}

  private final Deps d;
  /** Session id → agent name; an idle session expires, and past the maximum initialize is refused. */
  private final Cache<String, String> sessions;
  private final Map<String, CompletableFuture<ObjectNode>> outcomes = new ConcurrentHashMap<>();
  private final Map<String, List<McpSchema.Tool>> upstreamTools = new ConcurrentHashMap<>();
  private final ToolInputSchemas inputSchemas = new ToolInputSchemas();
  /** Tasks of calls that were not held; bounded, each gone an hour after it was created. */
  private final Cache<String, LocalTask> localTasks = Caffeine.newBuilder().maximumSize(10_000)
      .expireAfterWrite(MAX_TASK_TTL).build();
  private final ExecutorService blocking = Executors.newThreadPerTaskExecutor(
      Thread.ofVirtual().name("McpGateway_Worker-", 0).factory());

  public McpCalls(Deps deps) {
    this.d = Objects.requireNonNull(deps, "deps");
    Clock clock = d.clock();
    this.sessions = Caffeine.newBuilder()
        .expireAfterAccess(d.sessionIdle())
        .ticker(() -> {
          Instant now = clock.instant();
          return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        })
        .build();
    d.approvals().addListener(this::onDecision);
  }

  /** Forgets the upstream tool lists, e.g. when the declarations change. */
  public void forgetUpstreamTools() {
    upstreamTools.clear();
    inputSchemas.clear();
  }

  // ---------------------------------------------------------------- HTTP entry points

  /** {@code GET /mcp}: this server opens no stream of its own (allowed by the transport). */
  public void handleGet(RoutingContext ctx) {
    ctx.response().setStatusCode(405).putHeader("Allow", "POST, DELETE").end();
  }

  /** {@code DELETE /mcp}: ends the session. */
  public void handleDelete(RoutingContext ctx) {
    String session = ctx.request().getHeader("Mcp-Session-Id");
    if (session != null) {
      sessions.invalidate(session);
    }
    ctx.response().setStatusCode(200).end();
  }

  /** {@code POST /mcp}: one JSON-RPC message. */
  public void handlePost(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String secret = bearer(req.getHeader("Authorization"));
    if (secret == null) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"warden\"");
      sendError(ctx, 401, null, INVALID_REQUEST, "missing credential: connect with the agent's Warden credential or a"
          + " scoped token as 'Authorization: Bearer <token>'");
      return;
    }
    JsonNode msg;
    try {
      msg = JSON.readTree(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
    } catch (IOException e) {
      sendError(ctx, 400, null, PARSE_ERROR, "the request body is not valid JSON: " + firstLine(e.getMessage()));
      return;
    }
    if (msg instanceof ArrayNode) {
      sendError(ctx, 400, null, INVALID_REQUEST, "JSON-RPC batches are not supported: send one message per POST");
      return;
    }
    if (!(msg instanceof ObjectNode m) || !"2.0".equals(m.path("jsonrpc").asText())) {
      sendError(ctx, 400, null, INVALID_REQUEST, "expected a JSON-RPC 2.0 message object with \"jsonrpc\": \"2.0\"");
      return;
    }
    JsonNode id = m.get("id");
    String method = m.path("method").asText("");
    boolean request = id != null && !id.isNull() && !method.isEmpty();
    String source = req.remoteAddress() == null ? "" : req.remoteAddress().hostAddress();
    Context vctx = d.vertx().getOrCreateContext();
    async(vctx, () -> agent(secret, source)).onComplete(ar -> {
      if (ar.failed()) {
        Throwable e = ar.cause();
        if (e instanceof RpcError r) {
          if (r.retryAfter != null) {
            ctx.response().putHeader("Retry-After", Long.toString(Math.max(1, r.retryAfter.toSeconds())));
          }
          sendError(ctx, r.status, id, r.code, r.getMessage());
        } else {
          LOG.warn("MCP authentication failed", e);
          sendError(ctx, 500, id, -32603, "internal error");
        }
        return;
      }
      AgentPrincipal agent = ar.result();
      if (!request) {
        ctx.response().setStatusCode(202).end(); // notifications and responses need no answer
        return;
      }
      dispatch(ctx, vctx, agent, id, method, m.path("params"));
    });
  }

  private void dispatch(RoutingContext ctx, Context vctx, AgentPrincipal agent, JsonNode id, String method,
      JsonNode params) {
    if (method.equals("initialize")) {
      String requested = params.path("protocolVersion").asText("");
      ObjectNode result = JSON.createObjectNode();
      result.put("protocolVersion", VERSIONS.contains(requested) ? requested : VERSIONS.getFirst());
      ObjectNode capabilities = result.putObject("capabilities");
      capabilities.putObject("tools").put("listChanged", false);
      // MCP tasks (2025-11-25): a tools/call with params.task answers at once with a task; a held
      // call's task is its approval, so it outlives the connection and a restart.
      ObjectNode tasks = capabilities.putObject("tasks");
      tasks.putObject("list");
      tasks.putObject("requests").putObject("tools").putObject("call");
      ObjectNode info = result.putObject("serverInfo");
      info.put("name", SERVICE);
      info.put("version", "0.1.0");
      result.put("instructions", "Warden's MCP gateway: the tools agent " + agent.name() + " may call, under policy,"
          + " budgets and human approval.");
      String session = newId("mcp_", 16);
      synchronized (sessions) {
        if (sessions.estimatedSize() >= d.maxSessions()) {
          sessions.cleanUp(); // drops the expired ones
        }
        if (sessions.estimatedSize() >= d.maxSessions()) {
          LOG.warn("MCP gateway refused a session of agent {}: {} sessions open (the maximum)", agent.name(),
              d.maxSessions());
          ctx.response().putHeader("Retry-After", "60");
          sendError(ctx, 503, id, INVALID_REQUEST, "too many MCP sessions open on this gateway (the maximum is "
              + d.maxSessions() + "): end unused sessions with DELETE /mcp, or retry later; idle sessions expire after "
              + d.sessionIdle().toSeconds() + " s");
          return;
        }
        sessions.put(session, agent.name());
      }
      ctx.response().putHeader("Mcp-Session-Id", session);
      sendResult(ctx, id, result);
      return;
    }
    String session = ctx.request().getHeader("Mcp-Session-Id");
    if (session == null || session.isBlank()) {
      sendError(ctx, 400, id, INVALID_REQUEST, "missing Mcp-Session-Id header: send initialize first");
      return;
    }
    if (!agent.name().equals(sessions.getIfPresent(session))) {
      sendError(ctx, 404, id, INVALID_REQUEST, "unknown or expired session " + session + ": initialize a new one");
      return;
    }
    switch (method) {
      case "ping" -> sendResult(ctx, id, JSON.createObjectNode());
      case "tools/list" -> async(vctx, () -> listTools(agent)).onComplete(ar -> {
        if (ar.succeeded()) {
          sendResult(ctx, id, ar.result());
        } else {
          fail(ctx, id, ar.cause());
        }
      });
      case "tools/call" -> callTool(ctx, vctx, agent, id, params);
      case "tasks/get" -> async(vctx, () -> taskStatus(agent, params)).onComplete(ar -> {
        if (ar.succeeded()) {
          sendResult(ctx, id, ar.result());
        } else {
          fail(ctx, id, ar.cause());
        }
      });
      case "tasks/result" -> taskResult(ctx, vctx, agent, id, params);
      case "tasks/list" -> async(vctx, () -> listTasks(agent)).onComplete(ar -> {
        if (ar.succeeded()) {
          sendResult(ctx, id, ar.result());
        } else {
          fail(ctx, id, ar.cause());
        }
      });
      case "tasks/cancel" -> sendError(ctx, 200, id, INVALID_PARAMS, "tasks cannot be cancelled here: a held call is"
          + " decided by an approver (approve or deny), never withdrawn by the agent; it expires unapproved otherwise");
      default -> sendError(ctx, 200, id, METHOD_NOT_FOUND, "method '" + method + "' is not served: Warden's MCP"
          + " gateway serves initialize, ping, tools/list, tools/call and tasks/get|result|list");
    }
  }

  // ---------------------------------------------------------------- tools/list

  private ObjectNode listTools(AgentPrincipal agent) {
    McpServers servers = d.servers().get();
    Set<String> visible = visible(agent, servers);
    ObjectNode out = JSON.createObjectNode();
    ArrayNode tools = out.putArray("tools");
    Map<String, List<String>> byServer = new LinkedHashMap<>();
    for (String name : visible) {
      McpTool t = servers.tool(name).orElseThrow();
      byServer.computeIfAbsent(t.server(), k -> new ArrayList<>()).add(name);
    }
    for (Map.Entry<String, List<String>> e : byServer.entrySet()) {
      McpServer server = servers.server(e.getKey()).orElseThrow();
      Map<String, McpSchema.Tool> upstream = new LinkedHashMap<>();
      try {
        for (McpSchema.Tool t : upstreamTools.computeIfAbsent(upstreamKey(server), k -> d.upstreams().list(server))) {
          upstream.put(t.name(), t);
        }
      } catch (RuntimeException ex) {
        LOG.warn("could not list the tools of upstream MCP server {} ({}); listing its declared tools without"
            + " schemas", server.name(), server.transport(), ex);
      }
      for (String name : e.getValue()) {
        McpSchema.Tool t = upstream.get(name);
        if (t != null) {
          tools.add(sdkToJson(t).<ObjectNode>set("execution", TASK_OPTIONAL.deepCopy()));
        } else {
          ObjectNode n = tools.addObject();
          n.put("name", name);
          n.put("description", "served by " + server.name() + " (its description is unavailable right now)");
          n.putObject("inputSchema").put("type", "object");
          n.set("execution", TASK_OPTIONAL.deepCopy());
        }
      }
    }
    return out;
  }

  /** The tools the agent may see: declared, in its descriptor's spec.tools, and in its token's tools. */
  private Set<String> visible(AgentPrincipal agent, McpServers servers) {
    AgentDescriptor descriptor = descriptor(agent.name());
    Set<String> out = new TreeSet<>();
    for (String ref : descriptor.spec().tools()) {
      if (ref.startsWith(McpTool.REFERENCE_PREFIX)) {
        String name = ref.substring(McpTool.REFERENCE_PREFIX.length());
        if (servers.tool(name).isPresent() && (agent.scope() == null || agent.scope().tools().contains(ref))) {
          out.add(name);
        }
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- tools/call

  private void callTool(RoutingContext ctx, Context vctx, AgentPrincipal agent, JsonNode id, JsonNode params) {
    String name = params.path("name").asText("");
    if (name.isEmpty()) {
      sendError(ctx, 200, id, INVALID_PARAMS, "tools/call needs params.name, the tool to call");
      return;
    }
    JsonNode args = params.path("arguments");
    if (args.isMissingNode() || args.isNull()) {
      args = JSON.createObjectNode();
    }
    if (!(args instanceof ObjectNode arguments)) {
      sendError(ctx, 200, id, INVALID_PARAMS, "params.arguments must be a JSON object");
      return;
    }
    JsonNode meta = params.path("_meta");
    HttpServerRequest req = ctx.request();
    String traceparent = req.getHeader("traceparent") != null ? req.getHeader("traceparent")
        : meta.path("traceparent").asText(null);
    String baggage = req.getHeader("baggage") != null ? req.getHeader("baggage") : meta.path("baggage").asText(null);
    Call call = new Call(agent.name(), agent, name, arguments, TraceContext.of(traceparent, baggage),
        TraceContext.newSpanId(), d.clock().instant(), System.nanoTime());
    call.correlationKey = meta.path("correlation_key").isValueNode() ? meta.path("correlation_key").asText("").strip()
        : "";
    JsonNode progressToken = meta.get("progressToken");
    JsonNode task = params.get("task");
    async(vctx, () -> admit(call)).onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, id, ar.cause());
        return;
      }
      Admission a = ar.result();
      if (task != null && task.isObject()) {
        sendResult(ctx, id, createTask(vctx, call, a, task.path("ttl").asLong(0)));
      } else if (a.toolError != null) {
        sendResult(ctx, id, a.toolError);
      } else if (a.held == null) {
        async(vctx, () -> execute(call, call.spanId).result()).onComplete(r -> {
          if (r.succeeded()) {
            sendResult(ctx, id, r.result());
          } else {
            fail(ctx, id, r.cause());
          }
        });
      } else {
        waitForApproval(ctx, vctx, id, progressToken, a.held);
      }
    });
  }

  private Admission admit(Call call) {
    McpServers servers = d.servers().get();
    McpTool tool = servers.tool(call.toolName).orElse(null);
    AgentPrincipal agent = Objects.requireNonNull(call.principal);
    AgentDescriptor descriptor = descriptor(agent.name());
    String ref = McpTool.REFERENCE_PREFIX + call.toolName;
    String refusal = null;
    if (tool == null) {
      refusal = "unknown tool '" + call.toolName + "': no server in mcp/*.yaml declares it";
    } else if (!descriptor.spec().tools().contains(ref)) {
      refusal = "tool '" + call.toolName + "' is not available to agent " + agent.name() + ": " + ref
          + " is not in its spec.tools (agents/" + agent.name() + ".yaml)";
    } else if (agent.scope() != null && !agent.scope().tools().contains(ref)) {
      refusal = "tool '" + call.toolName + "' is not available with this scoped token: its tools are "
          + new TreeSet<>(agent.scope().tools());
    }
    if (refusal != null) {
      audit(call, "refused", Map.of("reason", refusal));
      throw new RpcError(200, INVALID_PARAMS, refusal);
    }
    call.tool = tool;
    call.server = servers.server(tool.server()).orElseThrow();
    call.revision = servers.revision();
    String invalid = invalidArguments(Objects.requireNonNull(call.server), call.toolName, call.arguments);
    if (invalid != null) {
      audit(call, "refused", Map.of("reason", invalid));
      return Admission.error(toolError(invalid));
    }
    call.value = actionValue(tool, call.arguments);

    AgentDescriptor.Budgets budgets = descriptor.spec().budgets();
    String tokenKey = agent.scope() == null ? "" : agent.credentialId() + "/" + agent.scope().session() + "/"
        + agent.scope().expiresAt().getEpochSecond();
    try {
      call.reservation = d.ledger().reserve(new BudgetRequest(agent.name(),
          budgets == null ? null : budgets.callsPerHour(), budgets == null ? null : budgets.usdPerDay(), tokenKey,
          agent.scope() == null ? null : agent.scope().usdBudget(),
          agent.scope() == null ? null : agent.scope().expiresAt(), 1, tool.costUsd()));
    } catch (BudgetExceededException e) {
      audit(call, "budget_exceeded", Map.of("reason", e.getMessage()));
      return Admission.error(toolError("budget exceeded: " + e.getMessage()));
    }
    PolicyDecision decision;
    try {
      decision = d.policy().decide(new DecisionInput(agent.name(), chain(agent), "tool.call", ref, call.value,
          Map.of(), d.clock().instant()));
    } catch (RuntimeException e) {
      LOG.warn("policy decision failed; denying the tool call (fail closed)", e);
      decision = PolicyDecision.deny("policy engine unavailable", "");
    }
    call.policyRevision = decision.policyRevision();
    List<String> reasons = new ArrayList<>(decision.reasons());
    PolicyDecision.Outcome outcome = decision.outcome();
    BigDecimal threshold = descriptor.spec().approval() == null ? null
        : descriptor.spec().approval().onActionValueUsdGt();
    if (outcome == PolicyDecision.Outcome.ALLOW && threshold != null && !tool.valuePointer().isEmpty()
        && call.value == null) {
      // The approval rule needs the value: a missing one is never read as zero.
      outcome = PolicyDecision.Outcome.REQUIRE_APPROVAL;
      reasons.add("the action value at " + tool.valuePointer() + " is missing from the arguments, and agent "
          + agent.name() + " needs approval over " + threshold.toPlainString() + " USD");
    }
    if (outcome == PolicyDecision.Outcome.DENY) {
      d.ledger().release(call.reservation);
      String why = reasons.isEmpty() ? "deny" : String.join("; ", reasons);
      audit(call, "denied", Map.of("reason", why));
      writeSpan(call, BigDecimal.ZERO, "ERROR", "policy denied: " + why, "");
      return Admission.error(toolError("policy denied tool.call of " + ref + " for agent " + agent.name() + ": "
          + why));
    }
    AgentDescriptor.Autonomy autonomy = descriptor.spec().effectiveAutonomy();
    if (tool.sideEffects() && autonomy == AgentDescriptor.Autonomy.SHADOW) {
      return capture(call, ref);
    }
    if (tool.sideEffects() && autonomy == AgentDescriptor.Autonomy.SUPERVISED
        && outcome == PolicyDecision.Outcome.ALLOW) {
      outcome = PolicyDecision.Outcome.REQUIRE_APPROVAL;
      reasons.add("agent " + agent.name() + " is supervised (spec.autonomy): every side-effecting call needs"
          + " approval");
    }
    if (outcome == PolicyDecision.Outcome.REQUIRE_APPROVAL) {
      d.ledger().release(call.reservation); // charged when (and if) it runs
      call.reservation = null;
      Approval held = d.approvals().hold(new ApprovalRequest(agent.name(), ref, call.arguments.toString(), call.value,
          // The team policy names for this agent and tool ("" = any approver), also when the gateway holds the
          // call itself (missing value, supervised autonomy): policy answers it on allow too.
          call.trace.logicalTraceId(), call.trace.intent(), reasons, decision.approverTeam(), call.correlationKey));
      call.approvalId = held.id();
      audit(call, "held", Map.of("approval", held.id(), "reason", String.join("; ", reasons)));
      return Admission.held(held);
    }
    return Admission.allowed();
  }

  private static String upstreamKey(McpServer server) {
    return server.name() + " " + server.transport();
  }

  /**
   * Why the arguments do not fit the tool's upstream {@code inputSchema}, or null when they do. The
   * upstream's tool list is cached per server (dropped when the declarations change) and fetched
   * again when it lacks the tool. Fails closed: arguments that cannot be checked are refused.
   */
  private @Nullable String invalidArguments(McpServer server, String toolName, ObjectNode arguments) {
    McpSchema.Tool declared;
    try {
      declared = upstreamTool(upstreamTools.computeIfAbsent(upstreamKey(server), k -> d.upstreams().list(server)),
          toolName);
      if (declared == null) {
        List<McpSchema.Tool> fresh = d.upstreams().list(server);
        upstreamTools.put(upstreamKey(server), fresh);
        declared = upstreamTool(fresh, toolName);
      }
    } catch (RuntimeException e) {
      LOG.warn("could not list the tools of upstream MCP server {} ({})", server.name(), server.transport(), e);
      return "invalid arguments cannot be ruled out: the tools/list of upstream MCP server " + server.name() + " ("
          + server.transport() + ") failed (" + firstLine(Upstreams.rootMessage(e)) + "); try again later";
    }
    if (declared == null) {
      return "upstream MCP server " + server.name() + " (" + server.transport() + ") does not list tool '" + toolName
          + "' in its tools/list: fix mcp/*.yaml or the upstream";
    }
    List<String> problems;
    try {
      problems = inputSchemas.problems(declared, arguments);
    } catch (ToolInputSchemas.UnusableSchema e) {
      LOG.warn("upstream MCP server {}: {}", server.name(), e.getMessage());
      return e.getMessage() + "; the call is refused until then";
    }
    return problems.isEmpty() ? null : "invalid arguments for tool '" + toolName + "' (its inputSchema): "
        + String.join("; ", problems) + ". Fix the arguments and call again.";
  }

  private static McpSchema.@Nullable Tool upstreamTool(List<McpSchema.Tool> tools, String name) {
    for (McpSchema.Tool t : tools) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    return null;
  }

  /**
   * Shadow mode: records the side-effecting call instead of running it (nothing charged, the
   * upstream never sees it) and tells the agent so in a normal tool result.
   */
  private Admission capture(Call call, String ref) {
    d.ledger().release(call.reservation);
    call.reservation = null;
    ShadowLedger shadow = d.shadow();
    if (shadow == null) {
      audit(call, "refused", Map.of("reason", "shadow mode without a shadow ledger"));
      return Admission.error(toolError("agent " + call.agentName + " is in shadow mode, and this gateway cannot"
          + " capture calls: " + ref + " was not executed"));
    }
    ShadowAction captured = shadow.capture(call.agentName, call.toolName, call.arguments.toString(),
        call.correlationKey);
    audit(call, "captured", Map.of("shadow_action", captured.id(), "correlation_key", call.correlationKey));
    writeSpan(call, BigDecimal.ZERO, "OK", "", "captured in shadow mode: " + captured.id());
    ObjectNode result = JSON.createObjectNode();
    ObjectNode c = result.putArray("content").addObject();
    c.put("type", "text");
    c.put("text", "captured in shadow mode, not executed: agent " + call.agentName + " runs with spec.autonomy:"
        + " shadow, so side-effecting calls are recorded (" + captured.id()
        + (call.correlationKey.isEmpty() ? ", no correlation_key in _meta: it cannot be paired with a human action"
            : ", correlation key " + call.correlationKey)
        + ") and compared with what a human does instead of running");
    result.put("isError", false);
    result.putObject("_meta").put("warden/shadow_action", captured.id());
    return Admission.error(result);
  }

  private static @Nullable BigDecimal actionValue(McpTool tool, ObjectNode arguments) {
    if (tool.valuePointer().isEmpty()) {
      return null;
    }
    JsonNode v = arguments.at(tool.valuePointer());
    if (v.isNumber()) {
      return v.decimalValue();
    }
    if (v.isTextual()) {
      try {
        return new BigDecimal(v.asText().strip());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- tasks

  /**
   * A task-augmented {@code tools/call}: answers at once with the task. A held call's task id is its
   * approval id (durable: {@code tasks/get} and {@code tasks/result} work after a reconnect or a
   * restart); any other call gets a task kept in memory for its ttl (at most one hour).
   */
  private ObjectNode createTask(Context vctx, Call call, Admission a, long ttlMillis) {
    if (a.held != null) {
      return JSON.createObjectNode().set("task", taskJson(a.held));
    }
    long ttl = ttlMillis <= 0 || ttlMillis > MAX_TASK_TTL.toMillis() ? MAX_TASK_TTL.toMillis() : ttlMillis;
    LocalTask t = new LocalTask(newId("mcptask_", 16), call.agentName, d.clock().instant(), ttl,
        new CompletableFuture<>());
    localTasks.put(t.id(), t);
    if (a.toolError != null) {
      t.result().complete(a.toolError);
    } else {
      async(vctx, () -> execute(call, call.spanId).result()).onComplete(r -> t.result().complete(r.succeeded()
          ? r.result() : toolError("the call failed: " + firstLine(String.valueOf(r.cause().getMessage())))));
    }
    return JSON.createObjectNode().set("task", taskJson(t));
  }

  private ObjectNode taskStatus(AgentPrincipal agent, JsonNode params) {
    String taskId = params.path("taskId").asText("");
    Approval a = ownApproval(agent, taskId);
    if (a != null) {
      return taskJson(a);
    }
    return taskJson(ownLocalTask(agent, taskId));
  }

  /** {@code tasks/result}: waits for the task's end, then answers with the call's result. */
  private void taskResult(RoutingContext ctx, Context vctx, AgentPrincipal agent, JsonNode id, JsonNode params) {
    String taskId = params.path("taskId").asText("");
    async(vctx, () -> {
      Approval a = ownApproval(agent, taskId);
      return a != null ? outcome(a.id()) : ownLocalTask(agent, taskId).result();
    }).onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, id, ar.cause());
        return;
      }
      Future.fromCompletionStage(ar.result(), vctx).onComplete(r -> {
        ObjectNode result = r.succeeded() ? r.result().deepCopy() : toolError("the call failed: " + r.cause());
        result.withObject("_meta").putObject("io.modelcontextprotocol/related-task").put("taskId", taskId);
        sendResult(ctx, id, result);
      });
    });
  }

  private ObjectNode listTasks(AgentPrincipal agent) {
    List<ObjectNode> tasks = new ArrayList<>();
    List<Approval> held = d.approvals().list(null, agent.name());
    for (int i = held.size() - 1; i >= 0 && tasks.size() < MAX_LISTED_TASKS; i--) {
      if (held.get(i).tool().startsWith(McpTool.REFERENCE_PREFIX)) {
        tasks.add(taskJson(held.get(i)));
      }
    }
    localTasks.asMap().values().stream().filter(t -> t.agent().equals(agent.name()))
        .sorted(java.util.Comparator.comparing(LocalTask::createdAt).reversed()).limit(MAX_LISTED_TASKS)
        .forEach(t -> tasks.add(taskJson(t)));
    tasks.sort(java.util.Comparator.comparing((ObjectNode t) -> t.path("createdAt").asText()).reversed());
    ObjectNode out = JSON.createObjectNode();
    out.putArray("tasks").addAll(tasks.size() > MAX_LISTED_TASKS ? tasks.subList(0, MAX_LISTED_TASKS) : tasks);
    return out;
  }

  /** The caller's own held MCP call with this id, or null; another agent's is never shown. */
  private @Nullable Approval ownApproval(AgentPrincipal agent, String taskId) {
    if (!taskId.startsWith("apr_")) {
      return null;
    }
    Approval a = d.approvals().get(taskId).orElse(null);
    if (a == null || !a.agent().equals(agent.name()) || !a.tool().startsWith(McpTool.REFERENCE_PREFIX)) {
      throw unknownTask(taskId);
    }
    return a;
  }

  private LocalTask ownLocalTask(AgentPrincipal agent, String taskId) {
    LocalTask t = localTasks.getIfPresent(taskId);
    if (t == null || !t.agent().equals(agent.name())) {
      throw unknownTask(taskId);
    }
    return t;
  }

  private static RpcError unknownTask(String taskId) {
    return new RpcError(200, INVALID_PARAMS, "unknown task '" + taskId + "': no task of this agent has that id (a"
        + " call's task lives for its ttl; a held call's task id is its approval id)");
  }

  private static ObjectNode taskJson(Approval a) {
    ObjectNode t = JSON.createObjectNode();
    t.put("taskId", a.id());
    String status;
    String message;
    switch (a.status()) {
      case PENDING -> {
        status = "working";
        message = "held for approval " + a.id() + " (" + String.join("; ", a.reasons()) + "); expires at "
            + a.expiresAt();
      }
      case DENIED -> {
        status = "failed";
        message = "denied by " + a.decidedBy() + (a.reason().isEmpty() ? "" : ": " + a.reason());
      }
      case EXPIRED -> {
        status = "failed";
        message = "expired unapproved at " + a.expiresAt();
      }
      default -> {
        status = switch (a.execution()) {
          case DONE -> "completed";
          case FAILED -> "failed";
          default -> "working";
        };
        message = "approved by " + a.decidedBy() + switch (a.execution()) {
          case DONE -> "; executed";
          case FAILED -> "; the call failed: " + a.error();
          default -> "; running";
        };
      }
    }
    t.put("status", status);
    t.put("statusMessage", message);
    t.put("createdAt", a.createdAt().toString());
    t.put("lastUpdatedAt", (a.decidedAt() == null ? a.createdAt() : a.decidedAt()).toString());
    t.put("ttl", Duration.between(a.createdAt(), a.expiresAt()).toMillis());
    t.put("pollInterval", TASK_POLL_MILLIS);
    return t;
  }

  private static ObjectNode taskJson(LocalTask lt) {
    ObjectNode t = JSON.createObjectNode();
    t.put("taskId", lt.id());
    ObjectNode result = lt.result().getNow(null);
    t.put("status", result == null ? "working" : result.path("isError").asBoolean(false) ? "failed" : "completed");
    t.put("createdAt", lt.createdAt().toString());
    t.put("lastUpdatedAt", lt.createdAt().toString());
    t.put("ttl", lt.ttlMillis());
    t.put("pollInterval", TASK_POLL_MILLIS);
    return t;
  }

  /** A task of a call that was not held: its result, kept in memory until its ttl ends. */
  private record LocalTask(String id, String agent, Instant createdAt, long ttlMillis,
      CompletableFuture<ObjectNode> result) {}

  // ---------------------------------------------------------------- holding

  /** Completes with the result the held call gives its client once it is decided (and run). */
  private CompletableFuture<ObjectNode> outcome(String approvalId) {
    CompletableFuture<ObjectNode> outcome = outcomes.computeIfAbsent(approvalId, k -> new CompletableFuture<>());
    // A decision may have landed before the future existed: read the record once more.
    blocking.execute(() -> d.approvals().get(approvalId).ifPresent(a -> {
      ObjectNode known = finalOutcome(a);
      if (known != null) {
        outcomes.remove(approvalId, outcome);
        outcome.complete(known);
      }
    }));
    return outcome;
  }

  private void waitForApproval(RoutingContext ctx, Context vctx, JsonNode id, @Nullable JsonNode progressToken,
      Approval held) {
    CompletableFuture<ObjectNode> outcome = outcome(held.id());
    HttpServerResponse res = ctx.response();
    String accept = ctx.request().getHeader("Accept");
    // SSE only carries something while held when the client asked for progress.
    boolean sse = accept != null && accept.contains("text/event-stream") && progressToken != null
        && !progressToken.isNull();
    long[] timer = {-1};
    if (sse) {
      res.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
      double[] step = {0};
      Runnable progress = () -> {
        if (res.ended() || res.closed()) {
          return;
        }
        String text = "held for approval " + held.id() + " (" + String.join("; ", held.reasons()) + "); expires at "
            + held.expiresAt();
        if (progressToken != null && !progressToken.isNull()) {
          ObjectNode n = JSON.createObjectNode();
          n.put("jsonrpc", "2.0");
          n.put("method", "notifications/progress");
          ObjectNode p = n.putObject("params");
          p.set("progressToken", progressToken);
          p.put("progress", step[0]++);
          p.put("message", text);
          res.write("event: message\ndata: " + n + "\n\n");
        }
        // Without a progress token there is nothing to send: SSE comments would do as keep-alives, but
        // the MCP Java SDK's client (2.1.0) stops reading a stream after a comment-only event.
      };
      progress.run();
      timer[0] = d.vertx().setPeriodic(d.progressEvery().toMillis(), t -> progress.run());
    }
    res.closeHandler(v -> {
      if (timer[0] >= 0) {
        d.vertx().cancelTimer(timer[0]);
      }
    });
    Future.fromCompletionStage(outcome, vctx).onComplete(ar -> {
      if (timer[0] >= 0) {
        d.vertx().cancelTimer(timer[0]);
      }
      if (res.ended() || res.closed()) {
        return; // the client left; the outcome stays in the approval record
      }
      ObjectNode result = ar.succeeded() ? ar.result() : toolError("the held call failed: " + ar.cause());
      if (sse) {
        res.end("event: message\ndata: " + response(id, result) + "\n\n");
      } else {
        sendResult(ctx, id, result);
      }
    });
  }

  /** The result a decided approval gives its waiting client, or null while it is still open. */
  private static @Nullable ObjectNode finalOutcome(Approval a) {
    return switch (a.status()) {
      case PENDING -> null;
      case DENIED -> toolError("the call of " + a.tool() + " was denied by " + a.decidedBy()
          + (a.reason().isEmpty() ? "" : ": " + a.reason()) + " (approval " + a.id() + ")");
      case EXPIRED -> toolError("the call of " + a.tool() + " expired unapproved at " + a.expiresAt() + " (approval "
          + a.id() + "); ask again or ask an approver to act sooner");
      case APPROVED -> switch (a.execution()) {
        case DONE -> parseOr(a.resultJson());
        case FAILED -> toolError(a.error());
        default -> null;
      };
    };
  }

  private static ObjectNode parseOr(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (IOException | ClassCastException e) {
      return toolError("the stored result of this call is unreadable");
    }
  }

  /** Told of every final transition of an approval. */
  private void onDecision(Approval a) {
    if (!a.tool().startsWith(McpTool.REFERENCE_PREFIX)) {
      return;
    }
    recordHumanDecision(a);
    if (a.status() == Approval.Status.APPROVED) {
      blocking.execute(() -> executeApproved(a.id()));
      return;
    }
    ObjectNode error = finalOutcome(a);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("approval", a.id());
    details.put("decided_by", a.decidedBy());
    d.audit().append("agent:" + a.agent(), "tool.call", "tool/" + a.tool().substring(McpTool.REFERENCE_PREFIX.length()),
        withOutcome(details, a.status() == Approval.Status.DENIED ? "denied_by_approver" : "expired"));
    CompletableFuture<ObjectNode> f = outcomes.remove(a.id());
    if (f != null && error != null) {
      f.complete(error);
    }
  }

  /**
   * An approver's decision is a human action beside the agent's proposal, for the shadow report:
   * the held call is the agent's action and the decision the human's, paired under the call's
   * {@code correlation_key} (the approval id without one). Approving agrees; denying is recorded as
   * the human's tool {@code denied}, a disagreement. Expiries are nobody's decision.
   */
  private void recordHumanDecision(Approval a) {
    ShadowLedger shadow = d.shadow();
    if (shadow == null || !a.decidedBy().startsWith("user:")
        || (a.status() != Approval.Status.APPROVED && a.status() != Approval.Status.DENIED)) {
      return;
    }
    String key = a.correlationKey().isEmpty() ? a.id() : a.correlationKey();
    try {
      shadow.capture(a.agent(), a.tool(), a.argumentsJson(), key);
      if (a.status() == Approval.Status.APPROVED) {
        shadow.recordHuman(a.agent(), a.tool(), a.argumentsJson(), key);
      } else {
        ObjectNode why = JSON.createObjectNode().put("approval", a.id()).put("reason", a.reason());
        shadow.recordHuman(a.agent(), "denied", why.toString(), key);
      }
    } catch (RuntimeException e) {
      LOG.warn("could not record the decision on approval {} as a human action", a.id(), e);
    }
  }

  /** Runs approved calls that never started (approved while Warden was down, or before a crash). */
  public void resumeApproved() {
    blocking.execute(() -> {
      for (Approval a : d.approvals().approvedNotStarted()) {
        if (a.tool().startsWith(McpTool.REFERENCE_PREFIX)) {
          executeApproved(a.id());
        }
      }
    });
  }

  private void executeApproved(String approvalId) {
    Approval a = d.approvals().claimExecution(approvalId).orElse(null);
    if (a == null) {
      return; // not approved, or already run (here or before a restart): never twice
    }
    ObjectNode result;
    boolean ok;
    String error = "";
    try {
      McpServers servers = d.servers().get();
      String name = a.tool().substring(McpTool.REFERENCE_PREFIX.length());
      McpTool tool = servers.tool(name).orElseThrow(() -> new IllegalStateException("tool '" + name
          + "' is no longer declared in mcp/*.yaml"));
      ObjectNode args = (ObjectNode) JSON.readTree(a.argumentsJson());
      TraceContext trace = new TraceContext(a.logicalTraceId(), "", a.logicalTraceId(), a.intent(), "");
      Call call = new Call(a.agent(), null, name, args, trace, TraceContext.newSpanId(), d.clock().instant(),
          System.nanoTime());
      call.tool = tool;
      call.server = servers.server(tool.server()).orElseThrow();
      call.revision = servers.revision();
      call.value = a.actionValueUsd();
      call.approvalId = a.id();
      AgentDescriptor.Budgets budgets = d.inventory().get(a.agent()).map(s -> s.descriptor().spec().budgets())
          .orElse(null);
      call.reservation = d.ledger().reserve(new BudgetRequest(a.agent(),
          budgets == null ? null : budgets.callsPerHour(), budgets == null ? null : budgets.usdPerDay(), "", null,
          null, 1, tool.costUsd()));
      Execution e = execute(call, a.id());
      result = e.result;
      ok = e.ok;
      error = e.ok ? "" : e.error;
    } catch (BudgetExceededException e) {
      ok = false;
      error = "approved, but the agent's budget is exhausted: " + e.getMessage();
      result = toolError(error);
    } catch (IOException | RuntimeException e) {
      ok = false;
      error = "approved, but the call could not run: " + e.getMessage();
      result = toolError(error);
    }
    d.approvals().recordExecution(approvalId, ok, ok ? result.toString() : "", error);
    CompletableFuture<ObjectNode> f = outcomes.remove(approvalId);
    if (f != null) {
      f.complete(result);
    }
  }

  // ---------------------------------------------------------------- execution

  private record Execution(ObjectNode result, boolean ok, String error) {}

  /** Forwards to the upstream server, settles, writes the span and the audit entry. Never throws. */
  private Execution execute(Call call, String idempotencyKey) {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("warden/idempotency_key", idempotencyKey);
    meta.put("traceparent", "00-" + call.trace.traceId() + "-" + call.spanId + "-01");
    ObjectNode result;
    boolean reached;
    String error = "";
    try {
      Map<String, Object> args = JSON.convertValue(call.arguments, new TypeReference<Map<String, Object>>() {});
      McpSchema.CallToolResult r = d.upstreams().call(call.server, call.toolName, args, meta);
      result = sdkToJson(r);
      reached = true;
      if (Boolean.TRUE.equals(r.isError())) {
        error = "the upstream tool answered with an error";
      }
    } catch (RuntimeException e) {
      reached = false;
      error = "upstream MCP server " + call.server.name() + " (" + call.server.transport() + ") failed: "
          + firstLine(Upstreams.rootMessage(e));
      LOG.warn("MCP upstream call {} on {} failed", call.toolName, call.server.name(), e);
      result = toolError(error);
    }
    BigDecimal cost = BigDecimal.ZERO;
    if (call.reservation != null) {
      if (reached) {
        cost = call.tool.costUsd();
        d.ledger().settle(call.reservation, cost);
      } else {
        d.ledger().release(call.reservation);
      }
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("cost_usd", cost.toPlainString());
    if (!error.isEmpty()) {
      details.put("error", error);
    }
    audit(call, reached && error.isEmpty() ? "executed" : "failed", details);
    writeSpan(call, cost, error.isEmpty() ? "OK" : "ERROR", error, result.toString());
    return new Execution(result, reached && error.isEmpty(), error);
  }

  private void writeSpan(Call call, BigDecimal cost, String status, String statusMessage, String resultText) {
    try {
      Instant end = call.startTime.plusNanos(System.nanoTime() - call.startNanos);
      Map<String, String> a = new LinkedHashMap<>();
      a.put("gen_ai.operation.name", "execute_tool");
      a.put("gen_ai.tool.name", call.toolName);
      a.put("gen_ai.tool.call.id", call.spanId);
      a.put("gen_ai.tool.type", "extension");
      a.put("warden.mcp.server", call.server == null ? "" : call.server.name());
      a.put("warden.mcp.revision", call.revision);
      a.put("warden.policy.revision", call.policyRevision);
      a.put("warden.cost.usd", cost.toPlainString());
      a.put("warden.cost.actions_usd", cost.toPlainString());
      a.put("warden.cost.source", "mcp-gateway");
      if (call.value != null) {
        a.put("warden.action.value_usd", call.value.toPlainString());
      }
      if (call.approvalId != null) {
        a.put("warden.approval.id", call.approvalId);
      }
      if (!call.trace.delegation().isEmpty()) {
        a.put("warden.delegation", call.trace.delegation());
      }
      String text = call.arguments + "\n" + resultText;
      List<String> chain = call.principal == null ? List.of(call.agentName) : chain(call.principal);
      d.spans().write(new SpanRecord(call.trace.traceId(), call.spanId, call.trace.parentSpanId(),
          call.trace.logicalTraceId(), "execute_tool " + call.toolName, SERVICE, call.agentName, "execute_tool",
          epochNanos(call.startTime), epochNanos(end), status, statusMessage, "", "", 0, 0, 0, call.toolName, "",
          call.trace.intent(), chain, cost.setScale(9, RoundingMode.HALF_UP),
          text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text, a, List.of()))
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("could not record the span of a tool call of {}", call.agentName, e);
    }
  }

  private static long epochNanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private void audit(Call call, String outcome, Map<String, Object> extra) {
    Map<String, Object> details = new LinkedHashMap<>(extra);
    if (call.server != null) {
      details.put("server", call.server.name());
      details.put("mcp_revision", call.revision);
    }
    if (call.value != null) {
      details.put("action_value_usd", call.value.toPlainString());
    }
    if (call.approvalId != null) {
      details.put("approval", call.approvalId);
    }
    details.put("trace_id", call.trace.traceId());
    d.audit().append("agent:" + call.agentName, "tool.call", "tool/" + call.toolName, withOutcome(details, outcome));
  }

  private static Map<String, Object> withOutcome(Map<String, Object> details, String outcome) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("outcome", outcome);
    out.putAll(details);
    return out;
  }

  // ---------------------------------------------------------------- identity

  private AgentPrincipal agent(String secret, String source) {
    Principal p;
    try {
      p = d.identity().authenticate(secret, source);
    } catch (TooManyFailedAuthentications e) {
      throw new RpcError(429, INVALID_REQUEST, e.getMessage(), e.retryAfter());
    } catch (WardenException e) {
      if ("unauthorized".equals(e.code())) {
        throw new RpcError(401, INVALID_REQUEST, e.getMessage());
      }
      throw e;
    }
    if (!(p instanceof AgentPrincipal agent)) {
      throw new RpcError(403, INVALID_REQUEST, p.subject() + " is a user: the MCP gateway serves agents; connect"
          + " with an agent credential or a scoped agent token");
    }
    descriptor(agent.name());
    return agent;
  }

  private AgentDescriptor descriptor(String agent) {
    return d.inventory().get(agent).map(AgentState::descriptor)
        .orElseThrow(() -> new RpcError(401, INVALID_REQUEST, "agent '" + agent + "' is not in the inventory"));
  }

  private static List<String> chain(AgentPrincipal agent) {
    return agent.scope() == null || agent.scope().delegationChain().isEmpty()
        ? List.of(agent.name()) : agent.scope().delegationChain();
  }

  static @Nullable String bearer(@Nullable String header) {
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = header.substring(7).strip();
    return token.isEmpty() ? null : token;
  }

  // ---------------------------------------------------------------- JSON-RPC writing

  private <T> Future<T> async(Context vctx, Callable<T> work) {
    CompletableFuture<T> f = new CompletableFuture<>();
    blocking.execute(() -> {
      try {
        f.complete(work.call());
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    });
    return Future.fromCompletionStage(f, vctx);
  }

  private static ObjectNode sdkToJson(Object sdkValue) {
    try {
      return (ObjectNode) JSON.readTree(Upstreams.json().writeValueAsString(sdkValue));
    } catch (IOException e) {
      throw new IllegalStateException("cannot convert an MCP value to JSON", e);
    }
  }

  static ObjectNode toolError(String text) {
    ObjectNode n = JSON.createObjectNode();
    ObjectNode c = n.putArray("content").addObject();
    c.put("type", "text");
    c.put("text", text);
    n.put("isError", true);
    return n;
  }

  private static ObjectNode response(JsonNode id, ObjectNode result) {
    ObjectNode n = JSON.createObjectNode();
    n.put("jsonrpc", "2.0");
    n.set("id", id);
    n.set("result", result);
    return n;
  }

  private static void sendResult(RoutingContext ctx, JsonNode id, ObjectNode result) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().putHeader("Content-Type", "application/json").end(response(id, result).toString());
  }

  private void fail(RoutingContext ctx, JsonNode id, Throwable e) {
    if (e instanceof RpcError r) {
      sendError(ctx, r.status, id, r.code, r.getMessage());
    } else {
      LOG.warn("MCP request failed", e);
      sendError(ctx, 500, id, -32603, "internal error: " + firstLine(String.valueOf(e.getMessage())));
    }
  }

  private static void sendError(RoutingContext ctx, int status, @Nullable JsonNode id, int code, String message) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("jsonrpc", "2.0");
    if (id == null) {
      n.putNull("id");
    } else {
      n.set("id", id);
    }
    ObjectNode err = n.putObject("error");
    err.put("code", code);
    err.put("message", message);
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(n.toString());
  }

  private static String firstLine(@Nullable String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static String newId(String prefix, int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return prefix + HexFormat.of().formatHex(b);
  }

  @Override
  public void close() {
    blocking.shutdownNow();
  }

  // ---------------------------------------------------------------- state

  /** A JSON-RPC error with the HTTP status to send it with. */
  static final class RpcError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final int code;
    final transient @Nullable Duration retryAfter;

    RpcError(int status, int code, String message) {
      this(status, code, message, null);
    }

    RpcError(int status, int code, String message, @Nullable Duration retryAfter) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
      this.retryAfter = retryAfter;
    }
  }

  private record Admission(@Nullable ObjectNode toolError, @Nullable Approval held) {
    static Admission allowed() {
      return new Admission(null, null);
    }

    /** Answered without running the call: a tool error, or a shadow capture's result. */
    static Admission error(ObjectNode toolError) {
      return new Admission(toolError, null);
    }

    static Admission held(Approval held) {
      return new Admission(null, held);
    }
  }

  /** One tool call's state; fields are set before the next step reads them. */
  private static final class Call {
    final String agentName;
    final @Nullable AgentPrincipal principal;
    final String toolName;
    final ObjectNode arguments;
    final TraceContext trace;
    final String spanId;
    final Instant startTime;
    final long startNanos;
    @Nullable McpTool tool;
    @Nullable McpServer server;
    String revision = "";
    String policyRevision = "";
    @Nullable BigDecimal value;
    @Nullable Reservation reservation;
    @Nullable String approvalId;
    String correlationKey = "";

    Call(String agentName, @Nullable AgentPrincipal principal, String toolName, ObjectNode arguments,
        TraceContext trace, String spanId, Instant startTime, long startNanos) {
      this.agentName = agentName;
      this.principal = principal;
      this.toolName = toolName;
      this.arguments = arguments;
      this.trace = trace;
      this.spanId = spanId;
      this.startTime = startTime;
      this.startNanos = startNanos;
    }
  }
}
