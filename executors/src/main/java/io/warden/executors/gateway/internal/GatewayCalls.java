package io.warden.executors.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.ext.web.RoutingContext;
import io.warden.core.WardenException;
import io.warden.core.audit.AuditLog;
import io.warden.core.budget.BudgetExceededException;
import io.warden.core.budget.BudgetLedger;
import io.warden.core.budget.BudgetRequest;
import io.warden.core.budget.BudgetUsage;
import io.warden.core.budget.Reservation;
import io.warden.core.budget.TokenPrices;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.identity.AgentPrincipal;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.Principal;
import io.warden.core.identity.TooManyFailedAuthentications;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.policy.DecisionInput;
import io.warden.core.policy.PolicyDecider;
import io.warden.core.policy.PolicyDecision;
import io.warden.core.shadow.ModelShadowLedger;
import io.warden.core.shadow.ModelShadowRun;
import io.warden.core.store.StateStore;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanSink;
import io.warden.executors.gateway.ModelCatalog;
import io.warden.executors.gateway.ModelSavings;
import io.warden.executors.gateway.UpstreamProvider;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The call path of the model gateway: authenticate, pin, reserve budget, ask policy, forward,
 * relay (streams event by event), settle, record drift, write the GenAI span, and (for a call
 * {@code spec.shadow} samples) mirror it to the candidate and record the compared pair.
 *
 * <p>Blocking steps (identity, ledger, policy, audit, span) run on worker threads; relaying runs on
 * the request's event loop.
 *
 * <p>Internal: not public API.
 */
public final class GatewayCalls {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayCalls.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Output tokens assumed when the request sets no maximum (for the budget estimate only). */
  public static final long DEFAULT_ESTIMATED_OUTPUT_TOKENS = 4096;
  static final String SERVICE = "warden-model-gateway";
  private static final String DEFAULT_ANTHROPIC_VERSION = "2023-06-01";
  /** Escalation recorded when the small model answers with an error or not at all (always escalated). */
  static final String SMALL_MODEL_ERROR = "small_model_error";
  /** Longest stream recorded for the response cache, in characters; longer ones are not cached. */
  public static final int MAX_RECORDED_STREAM_CHARS = 1 << 20;
  /** The blank line that ends a relayed stream event. */
  private static final byte[] EVENT_END = {'\n', '\n'};
  private static final String[] RELAYED_ERROR_HEADERS = {"retry-after", "retry-after-ms", "x-should-retry"};

  /** What the call path needs. */
  public record Deps(
      Vertx vertx, HttpClient client, IdentityService identity, Inventory inventory, BudgetLedger ledger,
      PolicyDecider policy, AuditLog audit, SpanSink spans, TokenPrices prices, Supplier<ModelCatalog> catalog,
      Map<String, UpstreamProvider> providers, Function<String, @Nullable String> env, Clock clock,
      Duration upstreamIdleTimeout, @Nullable StateStore store, AnswerCache cache,
      @Nullable ModelShadowLedger shadows, GatewayTimers timers) {}

  /** Share of calls mirrored to {@code spec.shadow.candidate} when {@code sample_rate} is not set. */
  public static final double DEFAULT_SHADOW_SAMPLE_RATE = 0.1;

  /** State store table of the last {@code system_fingerprint} seen per provider snapshot. */
  static final String FINGERPRINTS = "model_fingerprints";

  private final Deps d;
  private final Map<String, String> fingerprints = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> drift = new ConcurrentHashMap<>();
  private final SavingsLedger savings;
  private final long savingsFlushTimer; // -1 without a store
  /** Agent and candidate pairs already warned about as not callable (warned once each). */
  private final Set<String> shadowWarned = ConcurrentHashMap.newKeySet();
  private final LongAdder shadowRuns = new LongAdder();

  public GatewayCalls(Deps deps) {
    this.d = Objects.requireNonNull(deps, "deps");
    if (deps.store() != null) {
      fingerprints.putAll(deps.store().table(FINGERPRINTS)); // the baseline survives restarts
    }
    savings = SavingsLedger.open(deps.store(), deps.clock());
    // Savings are reporting, not budgets: written each second off the event loop, and at close.
    savingsFlushTimer = !savings.persistent() ? -1 : deps.vertx().setPeriodic(1_000, id -> deps.vertx().executeBlocking(() -> {
      savings.flush();
      return null;
    }));
  }

  /** Stops the savings writer and writes what it has not written yet. */
  public void close() {
    if (savingsFlushTimer >= 0) {
      d.vertx().cancelTimer(savingsFlushTimer);
    }
    savings.flush();
  }

  /** Drift events per agent since start. */
  public Map<String, Long> driftEvents() {
    Map<String, Long> out = new LinkedHashMap<>();
    drift.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Calls waiting now for an identical call in flight (coalesced). */
  public long coalescedWaiting() {
    return d.cache().waiting();
  }

  /** Shadow pairs compared and recorded since start. */
  public long shadowRuns() {
    return shadowRuns.sum();
  }

  /** Savings of routing and caching per agent over every kept day. */
  public Map<String, ModelSavings> savings() {
    return savings.byAgent(null, null);
  }

  /** Savings per agent over the UTC days the window {@code from}–{@code to} touches (null: no bound). */
  public Map<String, ModelSavings> savings(@Nullable Instant from, @Nullable Instant to) {
    return savings.byAgentInWindow(from, to);
  }

  // ---------------------------------------------------------------- entry points

  /** {@code POST /v1/chat/completions} or {@code POST /v1/messages}. */
  public void handleCall(RoutingContext ctx, WireFormat format) {
    Call call = new Call(format, System.nanoTime(), d.clock().instant());
    call.context = ctx.vertx().getOrCreateContext();
    HttpServerRequest req = ctx.request();
    call.trace = TraceContext.of(req.getHeader("traceparent"), req.getHeader("baggage"));
    call.spanId = TraceContext.newSpanId();
    String secret = credential(req);
    if (secret == null) {
      fail(ctx, format, new GatewayError(401, "missing_api_key", "missing credential: send the agent's Warden"
          + " credential or a scoped token as the API key ('Authorization: Bearer <key>' or 'x-api-key: <key>')"));
      return;
    }
    JsonNode parsed;
    try {
      parsed = JSON.readTree(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
    } catch (IOException e) {
      fail(ctx, format, new GatewayError(400, "invalid_json", "the request body is not valid JSON: "
          + firstLine(e.getMessage()) + "; send a " + (format == WireFormat.ANTHROPIC ? "Messages" : "Chat Completions")
          + " request object"));
      return;
    }
    if (!(parsed instanceof ObjectNode body)) {
      fail(ctx, format, new GatewayError(400, "invalid_request", "the request body must be a JSON object"));
      return;
    }
    if (!body.path("model").isTextual() || body.path("model").asText().isBlank()) {
      fail(ctx, format, new GatewayError(400, "missing_model", "field 'model' is required: name the agent's model"));
      return;
    }
    if (format == WireFormat.OPENAI_RESPONSES) {
      if (!body.path("input").isTextual() && !body.path("input").isArray()) {
        fail(ctx, format, new GatewayError(400, "invalid_request",
            "field 'input' is required: a string or an array of input items"));
        return;
      }
    } else if (!body.path("messages").isArray()) {
      fail(ctx, format, new GatewayError(400, "invalid_request", "field 'messages' is required and must be an array"));
      return;
    }
    call.body = body;
    call.bodyBytes = ctx.body().length();
    call.requestedModel = body.path("model").asText();
    call.stream = body.path("stream").asBoolean(false);
    call.headers = req.headers();
    String source = source(req);
    try {
      if (admitWithoutWaiting(call, secret)) {
        forward(ctx, call);
        return;
      }
    } catch (RuntimeException err) {
      fail(ctx, format, err);
      return;
    }
    d.vertx().executeBlocking(() -> admit(call, secret, source), false)
        .onSuccess(v -> forward(ctx, call))
        .onFailure(err -> fail(ctx, format, err));
  }

  /** {@code GET /v1/models}: the models this caller may name. */
  public void handleModels(RoutingContext ctx) {
    WireFormat format = ctx.request().getHeader("anthropic-version") != null ? WireFormat.ANTHROPIC : WireFormat.OPENAI;
    String secret = credential(ctx.request());
    if (secret == null) {
      fail(ctx, format, new GatewayError(401, "missing_api_key", "missing credential: send the agent's Warden"
          + " credential or a scoped token as the API key"));
      return;
    }
    String source = source(ctx.request());
    d.vertx().executeBlocking(() -> {
      AgentPrincipal agent = agent(secret, source);
      AgentDescriptor descriptor = descriptor(agent);
      List<AgentDescriptor.Model> models = new ArrayList<>();
      models.add(pinnedModel(agent, descriptor));
      AgentDescriptor.Model small = small(descriptor);
      if (small != null) {
        models.add(small);
      }
      ObjectNode out = JSON.createObjectNode();
      ArrayNode data = out.putArray("data");
      for (AgentDescriptor.Model m : models) {
        ObjectNode e = data.addObject();
        e.put("id", m.name());
        if (format == WireFormat.ANTHROPIC) {
          e.put("type", "model");
          e.put("display_name", m.name() + " (pinned to " + d.catalog().get().snapshot(m) + ")");
          e.put("created_at", createdAt(m.pinnedRevision()));
        } else {
          e.put("object", "model");
          e.put("created", Instant.parse(createdAt(m.pinnedRevision())).getEpochSecond());
          e.put("owned_by", m.provider());
        }
      }
      if (format == WireFormat.ANTHROPIC) {
        out.put("has_more", false);
        out.put("first_id", models.getFirst().name());
        out.put("last_id", models.getLast().name());
      } else {
        out.put("object", "list");
      }
      return out.toString();
    }, false).onSuccess(json -> ctx.response().putHeader("content-type", "application/json").end(json))
        .onFailure(err -> fail(ctx, format, err));
  }

  private static String createdAt(String revision) {
    try {
      return java.time.LocalDate.parse(revision).atStartOfDay().toInstant(java.time.ZoneOffset.UTC).toString();
    } catch (java.time.format.DateTimeParseException e) {
      return "1970-01-01T00:00:00Z";
    }
  }

  // ---------------------------------------------------------------- admission

  /**
   * Admits the call on the event loop that received it when nothing on the way waits: a valid
   * credential (a refused one goes to {@link #admit}, where the failure is recorded and audited),
   * and a decision the policy decider has cached. Two thread hops fewer per call; they were most
   * of the gateway's added latency at the 99th percentile on a busy two-core machine. False when
   * the rest must run on a worker ({@link #admit} picks up where this stopped).
   */
  private boolean admitWithoutWaiting(Call call, String secret) {
    if (!(d.identity().resolveQuietly(secret).orElse(null) instanceof AgentPrincipal agent)) {
      return false;
    }
    prepare(call, agent);
    PolicyDecision decision = d.policy().decideWithoutWaiting(call.decisionInput);
    if (decision == null) {
      return false;
    }
    accept(call, decision);
    return true;
  }

  /** Admission on a worker thread: what {@link #admitWithoutWaiting} did not finish. */
  private Void admit(Call call, String secret, String source) {
    if (call.decisionInput == null) {
      prepare(call, agent(secret, source));
    }
    PolicyDecision decision;
    try {
      decision = d.policy().decide(call.decisionInput);
    } catch (RuntimeException e) {
      LOG.warn("policy decision failed; denying the model call (fail closed)", e);
      decision = PolicyDecision.deny("policy engine unavailable", "");
    }
    accept(call, decision);
    return null;
  }

  /**
   * Everything before the policy decision: the descriptor, the model (pinning), the upstream,
   * routing, shadow sampling and the budget reservation; leaves the decision input on the call.
   */
  private void prepare(Call call, AgentPrincipal agent) {
    AgentDescriptor descriptor = descriptor(agent);
    call.agent = agent;
    AgentDescriptor.Model pinned = pinnedModel(agent, descriptor);
    AgentDescriptor.Model small = small(descriptor);
    ModelCatalog catalog = d.catalog().get();
    AgentDescriptor.Model chosen;
    if (names(call.requestedModel, pinned, catalog)) {
      chosen = pinned;
    } else if (small != null && names(call.requestedModel, small, catalog)) {
      chosen = small;
    } else {
      throw new GatewayError(404, "model_not_found", "model '" + call.requestedModel + "' is not allowed for agent "
          + agent.name() + ": it is pinned to " + describe(pinned) + " (spec.model); ask for '" + pinned.name() + "'"
          + (small == null ? "" : " or its small model '" + small.name() + "' (spec.routing.small_model)"));
    }
    call.model = chosen;
    call.snapshot = catalog.snapshot(chosen);
    call.answeredModel = chosen;
    call.answeredSnapshot = call.snapshot;
    UpstreamProvider provider = d.providers().get(chosen.provider());
    if (provider == null) {
      throw new GatewayError(502, "no_upstream", "no upstream configured for provider '" + chosen.provider()
          + "' (spec.model.provider of agent " + agent.name() + "): set gateway.providers." + chosen.provider()
          + ".base_url in warden.yaml; configured: " + d.providers().keySet());
    }
    if (provider.speaksAnthropic() != (call.format == WireFormat.ANTHROPIC)) {
      // Providers with api: openai take Chat Completions and Responses; api: anthropic takes Messages.
      throw new GatewayError(400, "wrong_endpoint", "agent " + agent.name() + "'s model " + describe(chosen) + " is "
          + (provider.speaksAnthropic() ? "served over the Anthropic Messages API (gateway.providers."
              + provider.name() + ".api: anthropic): call POST /v1/messages"
              : "served over the OpenAI API: call POST /v1/chat/completions or POST /v1/responses"));
    }
    call.provider = provider;
    if (!provider.apiKeyEnv().isEmpty()) {
      String key = d.env().apply(provider.apiKeyEnv());
      if (key == null || key.isBlank()) {
        throw new GatewayError(502, "no_upstream_key", "gateway.providers." + provider.name() + ".api_key_env names "
            + provider.apiKeyEnv() + ", which is not set in Warden's environment: set it and restart Warden");
      }
      call.apiKey = key;
    }
    route(call, agent, descriptor, pinned, small);
    call.shadow = shadowPlan(call, agent, descriptor, pinned);

    long estIn = Math.max(1, call.bodyBytes / 4);
    long estOut = maxTokens(call.body);
    BigDecimal estimate = price(call.snapshot, chosen.pinnedRevision(), estIn, estOut, 0);
    call.estimatedUsd = estimate == null ? BigDecimal.ZERO : estimate;
    AgentDescriptor.Budgets budgets = descriptor.spec().budgets();
    Integer callsPerHour = budgets == null ? null : budgets.callsPerHour();
    BigDecimal usdPerDay = budgets == null ? null : budgets.usdPerDay();
    String tokenKey = agent.scope() == null ? "" : agent.credentialId() + "/" + agent.scope().session() + "/"
        + agent.scope().expiresAt().getEpochSecond();
    try {
      call.reservation = d.ledger().reserve(new BudgetRequest(agent.name(), callsPerHour, usdPerDay, tokenKey,
          agent.scope() == null ? null : agent.scope().usdBudget(),
          agent.scope() == null ? null : agent.scope().expiresAt(), 1, call.estimatedUsd));
    } catch (BudgetExceededException e) {
      throw new GatewayError(429, "budget_exceeded", e.getMessage(), e.retryAfter());
    }
    try {
      BudgetUsage usage = d.ledger().usage(agent.name(), tokenKey);
      call.decisionInput = new DecisionInput(agent.name(), chain(agent), "model.call", describe(chosen),
          null, bucketed(usage, callsPerHour, usdPerDay), d.clock().instant());
    } catch (RuntimeException e) {
      d.ledger().release(call.reservation);
      call.reservation = null;
      throw e;
    }
  }

  /** Goes on with an allowed call; otherwise releases its reservation and refuses it (403). */
  private void accept(Call call, PolicyDecision decision) {
    if (decision.outcome() == PolicyDecision.Outcome.ALLOW) {
      return;
    }
    d.ledger().release(call.reservation);
    call.reservation = null;
    String why = decision.reasons().isEmpty() ? decision.outcome().name().toLowerCase(java.util.Locale.ROOT)
        : String.join("; ", decision.reasons());
    throw new GatewayError(403, "policy_denied", "policy denied model.call of " + describe(call.model)
        + " for agent " + call.agent.name() + ": " + why
        + (decision.outcome() == PolicyDecision.Outcome.REQUIRE_APPROVAL
            ? " (approvals for model calls are not supported yet)" : ""));
  }

  /**
   * Applies {@code spec.routing} to a whole (non-streaming) call made for the pinned model: the
   * small model answers first when one is declared with {@code escalate_on} (its wire format and
   * key permitting), and
   * the answer may come from the response cache. Streams are relayed as they arrive, so they are
   * not routed; with {@code cache: true} a complete stream is recorded and replayed to identical
   * streaming requests (keyed apart from whole answers; not coalesced).
   */
  private void route(Call call, AgentPrincipal agent, AgentDescriptor descriptor, AgentDescriptor.Model pinned,
      AgentDescriptor.@Nullable Model small) {
    AgentDescriptor.Routing r = descriptor.spec().routing();
    if (r == null) {
      return;
    }
    if (call.stream) {
      if (Boolean.TRUE.equals(r.cache())) {
        // What is relayed depends on whether the client asked for the usage chunk: key on it.
        call.cacheKey = AnswerCache.key(agent.name(), call.format, true, call.snapshot + "|usage="
            + call.body.path("stream_options").path("include_usage").asBoolean(false), call.body,
            call.headers.get("anthropic-version"), call.headers.get("anthropic-beta"));
      }
      return;
    }
    StringBuilder route = new StringBuilder(call.snapshot);
    // Without escalate_on the small model is only a model the caller may name: routing every call to
    // it with no way back would lower answers silently. An explicit empty list means "never escalate".
    if (small != null && call.model == pinned && r.escalateOn() != null) {
      List<String> listed = r.escalateOn().stream().filter(Escalation.DETECTED::contains).toList();
      UpstreamProvider sp = d.providers().get(small.provider());
      String smallKey = sp == null || sp.apiKeyEnv().isEmpty() ? null : d.env().apply(sp.apiKeyEnv());
      if (listed.contains(Escalation.TOOL_ERROR) && Escalation.toolErrorInRequest(call.format, call.body)) {
        call.escalatedOn = Escalation.TOOL_ERROR; // a failed tool result goes straight to the pinned model
      } else if (sp == null || sp.speaksAnthropic() != call.provider.speaksAnthropic()
          || (!sp.apiKeyEnv().isEmpty() && (smallKey == null || smallKey.isBlank()))) {
        LOG.warn("agent {}: small model {} cannot be called (no upstream '{}' of the same wire format with its key);"
            + " the pinned model answers", agent.name(), describe(small), small.provider());
      } else {
        call.small = small;
        call.smallSnapshot = d.catalog().get().snapshot(small);
        call.smallProvider = sp;
        call.smallApiKey = smallKey;
        call.escalateOn = listed;
        route.append('|').append(call.smallSnapshot).append('|').append(String.join(",", listed));
      }
    }
    if (Boolean.TRUE.equals(r.cache())) {
      call.cacheKey = AnswerCache.key(agent.name(), call.format, false, route.toString(), call.body,
          call.headers.get("anthropic-version"), call.headers.get("anthropic-beta"));
    }
  }

  /** The candidate call this call is mirrored to, or null when {@code spec.shadow} does not sample it. */
  private @Nullable ShadowPlan shadowPlan(Call call, AgentPrincipal agent, AgentDescriptor descriptor,
      AgentDescriptor.Model pinned) {
    AgentDescriptor.Shadow shadow = descriptor.spec().shadow();
    if (shadow == null || d.shadows() == null || call.model != pinned) {
      return null; // a caller naming the small model is not the pinned model's call
    }
    AgentDescriptor.Model candidate = shadow.candidate();
    if (candidate == null || candidate.provider() == null || candidate.name() == null
        || candidate.pinnedRevision() == null) {
      return null;
    }
    double rate = shadow.sampleRate() == null ? DEFAULT_SHADOW_SAMPLE_RATE : shadow.sampleRate().doubleValue();
    if (rate <= 0 || ThreadLocalRandom.current().nextDouble() >= rate) {
      return null;
    }
    UpstreamProvider cp = d.providers().get(candidate.provider());
    String key = cp == null || cp.apiKeyEnv().isEmpty() ? null : d.env().apply(cp.apiKeyEnv());
    if (cp == null || cp.speaksAnthropic() != call.provider.speaksAnthropic()
        || (!cp.apiKeyEnv().isEmpty() && (key == null || key.isBlank()))) {
      if (shadowWarned.add(agent.name() + "|" + describe(candidate))) {
        LOG.warn("agent {}: shadow candidate {} cannot be called (no upstream '{}' of the same wire format with its"
            + " key); no shadow runs are recorded for it", agent.name(), describe(candidate), candidate.provider());
      }
      return null;
    }
    return new ShadowPlan(candidate, d.catalog().get().snapshot(candidate), cp, key);
  }

  /** Where a sampled call is mirrored: the candidate, its snapshot, upstream and key. */
  private record ShadowPlan(AgentDescriptor.Model candidate, String snapshot, UpstreamProvider provider,
      @Nullable String apiKey) {}

  /** The client address failed authentications are counted under (as on the API and OTLP ports). */
  private static String source(HttpServerRequest req) {
    return req.remoteAddress() == null ? "" : req.remoteAddress().hostAddress();
  }

  private AgentPrincipal agent(String secret, String source) {
    Principal p;
    try {
      p = d.identity().authenticate(secret, source);
    } catch (TooManyFailedAuthentications e) {
      throw new GatewayError(429, "rate_limit_exceeded", e.getMessage(), e.retryAfter());
    } catch (WardenException e) {
      if ("unauthorized".equals(e.code())) {
        throw new GatewayError(401, "invalid_api_key", e.getMessage());
      }
      throw e;
    }
    if (!(p instanceof AgentPrincipal agent)) {
      throw new GatewayError(403, "not_an_agent", p.subject() + " is a user: model calls need an agent credential"
          + " or a scoped agent token as the API key");
    }
    return agent;
  }

  private AgentDescriptor descriptor(AgentPrincipal agent) {
    return d.inventory().get(agent.name()).map(AgentState::descriptor)
        .orElseThrow(() -> new GatewayError(401, "invalid_api_key", "agent '" + agent.name() + "' is not in the inventory"));
  }

  private static AgentDescriptor.Model pinnedModel(AgentPrincipal agent, AgentDescriptor descriptor) {
    AgentDescriptor.Model m = descriptor.spec().model();
    if (m == null || m.provider() == null || m.name() == null || m.pinnedRevision() == null) {
      throw new GatewayError(403, "no_pinned_model", "agent " + agent.name() + " has no spec.model with provider, name"
          + " and pinned_revision: declare the model in agents/" + agent.name() + ".yaml");
    }
    return m;
  }

  private static AgentDescriptor.@Nullable Model small(AgentDescriptor descriptor) {
    AgentDescriptor.Routing r = descriptor.spec().routing();
    AgentDescriptor.Model m = r == null ? null : r.smallModel();
    return m == null || m.provider() == null || m.name() == null || m.pinnedRevision() == null ? null : m;
  }

  /** Whether the caller's model names {@code m}: its name, its snapshot, or provider/name. */
  private static boolean names(String requested, AgentDescriptor.Model m, ModelCatalog catalog) {
    return requested.equals(m.name()) || requested.equals(catalog.snapshot(m))
        || requested.equals(m.provider() + "/" + m.name());
  }

  static String describe(AgentDescriptor.Model m) {
    return m.provider() + "/" + m.name() + "@" + m.pinnedRevision();
  }

  private static List<String> chain(AgentPrincipal agent) {
    return agent.scope() == null || agent.scope().delegationChain().isEmpty()
        ? List.of(agent.name()) : agent.scope().delegationChain();
  }

  /**
   * Budget figures for the decision input, rounded down to a twentieth of their limit so that
   * consecutive calls share a cached decision; the ledger enforces the exact limits.
   */
  static Map<String, Object> bucketed(BudgetUsage usage, @Nullable Integer callsPerHour, @Nullable BigDecimal usdPerDay) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (callsPerHour != null) {
      long step = Math.max(1, callsPerHour / 20);
      out.put("calls_last_hour", usage.callsLastHour() / step * step);
    }
    if (usdPerDay != null && usdPerDay.signum() > 0) {
      BigDecimal step = usdPerDay.divide(BigDecimal.valueOf(20), 6, RoundingMode.DOWN);
      BigDecimal v = step.signum() == 0 ? usage.usdSpentToday()
          : usage.usdSpentToday().divide(step, 0, RoundingMode.DOWN).multiply(step);
      out.put("usd_spent_today", v.stripTrailingZeros());
    }
    return out;
  }

  private static long maxTokens(JsonNode body) {
    for (String f : new String[] {"max_completion_tokens", "max_tokens", "max_output_tokens"}) {
      if (body.path(f).canConvertToLong() && body.path(f).asLong() > 0) {
        return body.path(f).asLong();
      }
    }
    return DEFAULT_ESTIMATED_OUTPUT_TOKENS;
  }

  /** What one upstream call cost, priced by the model that answered (the snapshot asked for when it did not say). */
  private @Nullable BigDecimal priceLeg(AnswerCache.Leg leg, String revision) {
    return price(leg.responseModel().isEmpty() ? leg.snapshot() : leg.responseModel(), revision, leg.inputTokens(),
        leg.outputTokens(), leg.cachedTokens(), leg.cacheWrite5mTokens(), leg.cacheWrite1hTokens());
  }

  /**
   * Tokens at {@code pricing.yaml}'s prices plus Anthropic's premium on prompt-cache writes
   * ({@link TokenPrices#costUsd(String, String, long, long, long, long, long)}, shared with the trace
   * store's pricing of spans).
   */
  private @Nullable BigDecimal price(String model, String revision, long in, long out, long cached, long write5m,
      long write1h) {
    try {
      return d.prices().costUsd(model, revision, in, out, cached, write5m, write1h);
    } catch (RuntimeException e) {
      LOG.warn("pricing failed for model {}", model, e);
      return null;
    }
  }

  private @Nullable BigDecimal price(String model, String revision, long in, long out, long cached) {
    return price(model, revision, in, out, cached, 0, 0);
  }

  // ---------------------------------------------------------------- forwarding (event loop)

  private void forward(RoutingContext ctx, Call call) {
    ObjectNode body = call.body;
    body.put("model", call.snapshot);
    String path = path(call.format);
    if (call.format == WireFormat.OPENAI) {
      if (call.stream) {
        ObjectNode so = body.path("stream_options").isObject() ? (ObjectNode) body.get("stream_options")
            : body.putObject("stream_options");
        call.clientWantsUsage = so.path("include_usage").asBoolean(false);
        so.put("include_usage", true);
      }
    } else if (call.format == WireFormat.ANTHROPIC) {
      call.promptCacheMarks = PromptCacheMarks.mark(body);
    }
    HttpServerResponse out = ctx.response();
    if (!call.stream) {
      Supplier<Future<AnswerCache.Answer>> load = () -> routed(call, path);
      Future<AnswerCache.Answer> answer;
      if (call.cacheKey != null) {
        AnswerCache.Lookup lookup = d.cache().lookup(call.cacheKey, load);
        call.cacheOutcome = lookup.outcome();
        answer = lookup.answer();
      } else {
        answer = load.get();
      }
      answer.onSuccess(a -> deliverWhole(out, call, a)).onFailure(err -> upstreamDown(out, call, err));
      return;
    }
    if (call.cacheKey != null) {
      AnswerCache.StreamLookup lookup = d.cache().lookupStream(call.cacheKey, follower(out, call));
      switch (lookup.outcome()) {
        case "hit" -> {
          call.cacheOutcome = "hit";
          replayStream(out, call, lookup.hit());
          return;
        }
        case "coalesced" -> {
          call.cacheOutcome = "coalesced";
          streamHead(out);
          call.delivered = true;
          return; // the follower writes what the leading call relays
        }
        case "miss" -> {
          call.cacheOutcome = "miss";
          call.recorded = new StringBuilder();
          call.live = lookup.lead();
        }
        default -> call.cacheOutcome = "miss"; // an identical stream too long to join: alone, not recorded
      }
    }
    Buffer payload = payload(call, call.provider, body);
    d.client().request(options(call, call.provider, call.apiKey, path))
        .compose(req -> send(call, req, payload))
        .onSuccess(resp -> {
          call.upstreamStatus = resp.statusCode();
          if (resp.statusCode() / 100 != 2) {
            relayError(out, call, resp);
          } else {
            relayStream(out, call, resp);
          }
        })
        .onFailure(err -> upstreamDown(out, call, err));
  }

  /**
   * The request body for {@code provider}: as the caller sent it (model pinned), plus OpenAI's
   * {@code prompt_cache_key} naming the agent when the provider takes it and the caller set none,
   * so one agent's calls, which share their long prefixes, are routed to the same prompt cache.
   */
  private static Buffer payload(Call call, UpstreamProvider provider, ObjectNode body) {
    if (!provider.promptCacheKey() || call.format == WireFormat.ANTHROPIC || body.has("prompt_cache_key")) {
      return Buffer.buffer(body.toString());
    }
    ObjectNode keyed = body.deepCopy(); // the body is shared with the other legs of the call
    keyed.put("prompt_cache_key", "warden:" + call.agent.name());
    return Buffer.buffer(keyed.toString());
  }

  /** The upstream path of {@code format} (the Responses API reports usage in {@code response.completed}). */
  private static String path(WireFormat format) {
    return switch (format) {
      case OPENAI -> "/chat/completions";
      case OPENAI_RESPONSES -> "/responses";
      case ANTHROPIC -> "/v1/messages";
    };
  }

  private void upstreamDown(HttpServerResponse out, Call call, Throwable err) {
    String msg = "upstream " + call.provider.name() + " (" + call.provider.baseUrl() + ") did not answer: "
        + firstLine(String.valueOf(err.getMessage())) + "; nothing was charged";
    call.error = msg;
    sendError(out, call.format, new GatewayError(502, "upstream_unavailable", msg));
    finish(call);
  }

  private RequestOptions options(Call call, UpstreamProvider provider, @Nullable String apiKey, String path) {
    String base = provider.baseUrl().toString();
    String url = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path;
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
        .setIdleTimeout(d.upstreamIdleTimeout().toMillis())
        .putHeader("content-type", "application/json")
        .putHeader("accept", call.stream ? "text/event-stream" : "application/json")
        .putHeader("traceparent", "00-" + call.trace.traceId() + "-" + call.spanId + "-01");
    if (call.format == WireFormat.ANTHROPIC) {
      String version = call.headers.get("anthropic-version");
      options.putHeader("anthropic-version", version == null ? DEFAULT_ANTHROPIC_VERSION : version);
      String beta = call.headers.get("anthropic-beta");
      if (beta != null) {
        options.putHeader("anthropic-beta", beta);
      }
      if (apiKey != null) {
        options.putHeader("x-api-key", apiKey);
      }
    } else if (apiKey != null) {
      options.putHeader("authorization", "Bearer " + apiKey);
    }
    return options;
  }

  /** The whole answer: the small model's when it shows no listed signal, otherwise the pinned model's. */
  private Future<AnswerCache.Answer> routed(Call call, String path) {
    if (call.small == null) {
      return fetch(call, call.model, call.snapshot, call.provider, call.apiKey, path, call.body);
    }
    ObjectNode smallBody = call.body.deepCopy();
    smallBody.put("model", call.smallSnapshot);
    return fetch(call, call.small, call.smallSnapshot, call.smallProvider, call.smallApiKey, path, smallBody)
        .otherwise(err -> {
          LOG.info("small model {} did not answer ({}); escalating", call.smallSnapshot, err.getMessage());
          return null;
        })
        .compose(small -> {
          String signal;
          if (small == null || small.status() / 100 != 2) {
            signal = SMALL_MODEL_ERROR;
          } else {
            try {
              signal = Escalation.inAnswer(call.format, JSON.readTree(small.body().getBytes()), call.escalateOn);
            } catch (IOException e) {
              signal = SMALL_MODEL_ERROR;
            }
          }
          if (signal.isEmpty()) {
            return Future.succeededFuture(small);
          }
          String why = signal;
          return fetch(call, call.model, call.snapshot, call.provider, call.apiKey, path, call.body).map(pinned -> {
            List<AnswerCache.Leg> legs = new ArrayList<>(small == null ? List.of() : small.legs());
            legs.addAll(pinned.legs());
            return new AnswerCache.Answer(pinned.status(), pinned.contentType(), pinned.headers(), pinned.body(),
                List.copyOf(legs), why);
          });
        });
  }

  /** Sends a call's upstream request; the first one sent ends the call's preflight. */
  private Future<HttpClientResponse> send(Call call, HttpClientRequest req, Buffer payload) {
    if (!call.preflightRecorded) {
      call.preflightRecorded = true;
      d.timers().recordPreflight(call.startNanos);
    }
    return req.send(payload);
  }

  /** One whole upstream call, read to its end, with the usage it reported. */
  private Future<AnswerCache.Answer> fetch(Call call, AgentDescriptor.Model model, String snapshot,
      UpstreamProvider provider, @Nullable String apiKey, String path, ObjectNode body) {
    Buffer payload = payload(call, provider, body);
    return d.client().request(options(call, provider, apiKey, path))
        .compose(req -> send(call, req, payload))
        .compose(resp -> resp.body().map(b -> {
          Map<String, String> headers = new LinkedHashMap<>();
          for (String h : RELAYED_ERROR_HEADERS) {
            String v = resp.getHeader(h);
            if (v != null) {
              headers.put(h, v);
            }
          }
          Metering m = new Metering();
          if (resp.statusCode() / 100 == 2) {
            meterWhole(call.format, b, m);
          }
          return new AnswerCache.Answer(resp.statusCode(), resp.getHeader("content-type"), Map.copyOf(headers), b,
              List.of(m.leg(model, snapshot)), "");
        }));
  }

  private void meterWhole(WireFormat format, Buffer b, Metering m) {
    try {
      byte[] bytes = b.getBytes();
      if (format == WireFormat.OPENAI) {
        // A Chat Completions answer reads as a chunk does (ChatChunk reads "message" too), without a tree.
        ChatChunk c = new ChatChunk();
        if (c.read(JSON, bytes, 0, bytes.length)) {
          m.openAi(c);
          return;
        }
      }
      JsonNode n = JSON.readTree(bytes);
      if (format == WireFormat.ANTHROPIC) {
        m.anthropicMessage(n);
      } else if (format == WireFormat.OPENAI_RESPONSES) {
        m.openAiResponse(n, true);
      } else {
        m.openAi(n);
      }
    } catch (IOException e) {
      LOG.debug("upstream answer is not JSON; usage unknown");
    }
  }

  /** Sends a whole answer (fresh, cached or shared with a coalesced call) to this caller. */
  private void deliverWhole(HttpServerResponse out, Call call, AnswerCache.Answer a) {
    call.answer = a;
    call.upstreamStatus = a.status();
    AnswerCache.Leg last = a.legs().getLast();
    call.answeredModel = last.model();
    call.answeredSnapshot = last.snapshot();
    if (!a.escalatedOn().isEmpty()) {
      call.escalatedOn = a.escalatedOn();
    }
    if (a.status() / 100 != 2) {
      writeUpstreamError(out, call, a.status(), a.contentType(), a.headers(), a.body());
      finish(call);
      return;
    }
    call.delivered = true;
    charge(call);
    if (!out.ended() && !out.closed()) {
      out.putHeader("content-type", a.contentType() == null ? "application/json" : a.contentType())
          // A copy when the answer is cached or shared with coalesced calls; answer first, meter after.
          .end(call.cacheKey == null ? a.body() : a.body().copy());
    }
    meterWhole(call.format, a.body(), call.meter);
    finish(call);
  }

  private void relayError(HttpServerResponse out, Call call, HttpClientResponse resp) {
    resp.body().onComplete(ar -> {
      Map<String, String> headers = new LinkedHashMap<>();
      for (String h : RELAYED_ERROR_HEADERS) {
        String v = resp.getHeader(h);
        if (v != null) {
          headers.put(h, v);
        }
      }
      writeUpstreamError(out, call, resp.statusCode(), resp.getHeader("content-type"), headers,
          ar.succeeded() ? ar.result() : Buffer.buffer());
      finish(call);
    });
  }

  /** Passes a provider's error on as the provider sent it (status, body, retry headers). */
  private static void writeUpstreamError(HttpServerResponse out, Call call, int status, @Nullable String type,
      Map<String, String> headers, Buffer b) {
    call.error = "upstream answered " + status + ": " + firstLine(b.toString()).substring(0,
        Math.min(200, firstLine(b.toString()).length()));
    if (!out.ended() && !out.closed()) {
      out.setStatusCode(status);
      out.putHeader("content-type", type == null ? "application/json" : type);
      headers.forEach(out::putHeader);
      if (b.length() == 0) {
        out.end(call.format.errorBody(status, "upstream_error", call.error));
      } else {
        out.end(b);
      }
    }
  }

  private static void streamHead(HttpServerResponse out) {
    out.setStatusCode(200).setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-cache")
        // Compression would hold events back in the deflater.
        .putHeader("content-encoding", "identity");
  }

  /** Sends a recorded stream again, event by event, as it was relayed the first time. */
  private void replayStream(HttpServerResponse out, Call call, AnswerCache.Answer recorded) {
    call.answer = recorded;
    call.upstreamStatus = recorded.status();
    streamHead(out);
    call.delivered = true;
    SseSplitter splitter = new SseSplitter((bytes, from, to) -> relayEvent(out, call, bytes, from, to));
    splitter.feed(recorded.body().getBytes());
    splitter.finish();
    charge(call);
    if (!out.ended() && !out.closed()) {
      out.end(call.takeRelayed());
    }
    finish(call);
  }

  private void relayStream(HttpServerResponse out, Call call, HttpClientResponse resp) {
    streamHead(out);
    call.delivered = true;
    if (call.shadow != null) {
      call.streamed = new StreamedAnswer(call.format);
    }
    SseSplitter splitter = new SseSplitter((bytes, from, to) -> relayEvent(out, call, bytes, from, to));
    Handler<Void> write = v -> writeRelayed(out, call, resp, d.timers());
    resp.handler(buf -> {
      long read = System.nanoTime();
      feed(call, splitter, buf);
      if (call.relayed != null && call.heldSince == 0) {
        call.heldSince = read; // a read that completes no event is held by the upstream, not by us
      }
      // One write per batch of upstream reads, not one per event or per read: the chunks that one
      // turn of the event loop reads leave in one write (and one flush) once the turn is over —
      // a write costs a syscall, and a provider flushes each event on its own.
      if (call.relayed != null && !call.writeScheduled) {
        call.writeScheduled = true;
        call.context.runOnContext(write);
      }
    });
    resp.endHandler(v -> {
      splitter.finish();
      if (!call.streamComplete) {
        breakOff(out, call, "the upstream stream ended before the answer was complete");
      } else if (!out.ended() && !out.closed()) {
        charge(call);
        Buffer last = call.takeRelayed();
        out.end(last);
        call.recordHold(d.timers());
        publish(call, last);
      }
      if (call.live != null && call.streamComplete && call.error == null) {
        // Built only for a stream others follow or the cache keeps.
        endLive(call, new AnswerCache.Answer(200, "text/event-stream; charset=utf-8", Map.of(),
            Buffer.buffer(call.recorded == null ? "" : call.recorded.toString()),
            List.of(call.meter.leg(call.model, call.snapshot)), ""), "");
      } else {
        endLive(call, null, call.error == null ? "the upstream stream ended early" : call.error);
      }
      finish(call);
    });
    resp.exceptionHandler(err -> {
      breakOff(out, call, "the upstream stream broke off: " + firstLine(String.valueOf(err.getMessage())));
      endLive(call, null, call.error);
      finish(call);
    });
    out.closeHandler(v -> {
      if (!call.finished.get()) {
        call.error = "the client closed the stream";
        resp.request().reset();
        endLive(call, null, "the call leading it was closed by its client");
        finish(call);
      }
    });
  }

  /**
   * Feeds an upstream read to the splitter from where its bytes are (a heap buffer is not copied).
   * When the read is whole events that all go out as they came, each followed by one blank line
   * ("\n\n"), the read itself is relayed: its events are not copied ({@link Call#pass}).
   */
  private static void feed(Call call, SseSplitter splitter, Buffer buf) {
    ByteBuf bytes = buf instanceof BufferInternal internal ? internal.getByteBuf() : null;
    if (bytes == null || !bytes.hasArray()) {
      splitter.feed(buf.getBytes());
      return;
    }
    int from = bytes.arrayOffset() + bytes.readerIndex();
    int to = from + bytes.readableBytes();
    if (splitter.pendingBytes() == 0) {
      call.readArray = bytes.array();
      call.readFrom = from;
      call.passTo = -1;
    }
    splitter.feed(bytes.array(), from, to);
    if (call.readArray != null && call.passTo >= 0) {
      if (call.passTo + 2 == to && splitter.pendingBytes() == 0) {
        call.relayed = call.relayed == null ? buf : call.relayed.appendBuffer(buf);
      } else {
        call.unpass();
      }
    }
    call.readArray = null;
  }

  private static void writeRelayed(HttpServerResponse out, Call call, HttpClientResponse resp, GatewayTimers timers) {
    call.writeScheduled = false;
    if (call.relayed == null || out.ended() || out.closed()) {
      return; // the end took it
    }
    Buffer part = call.takeRelayed();
    out.write(part);
    call.recordHold(timers);
    publish(call, part);
    if (out.writeQueueFull()) {
      resp.pause();
      out.drainHandler(v -> resp.resume());
    }
  }

  /** Hands what the leading call relayed to the calls following its stream. */
  private static void publish(Call call, Buffer part) {
    if (call.live != null) {
      call.live.publish(part.toString());
    }
  }

  /**
   * Ends the live stream this call leads, once: a complete answer is cached when it was recorded
   * whole, and every follower gets it (or the failure).
   */
  private void endLive(Call call, AnswerCache.@Nullable Answer answer, String failure) {
    AnswerCache.LiveStream live = call.live;
    if (live == null || call.cacheKey == null) {
      return;
    }
    call.live = null;
    d.cache().endStream(call.cacheKey, live, answer, call.recorded != null, failure);
  }

  /**
   * This call as a follower of an identical stream in flight: each part is relayed on its own
   * event loop, as a replay is; it ends with the leading call's answer (nothing charged: the
   * leading call paid) or with an error event when that stream failed.
   */
  private AnswerCache.Follower follower(HttpServerResponse out, Call call) {
    SseSplitter splitter = new SseSplitter((bytes, from, to) -> relayEvent(out, call, bytes, from, to));
    return new AnswerCache.Follower() {
      @Override
      public void part(String events) {
        call.context.runOnContext(v -> {
          splitter.feed(events.getBytes(StandardCharsets.UTF_8));
          if (call.relayed != null && !out.ended() && !out.closed()) {
            out.write(call.takeRelayed());
          }
        });
      }

      @Override
      public void end(AnswerCache.@Nullable Answer answer, String failure) {
        call.context.runOnContext(v -> {
          splitter.finish();
          if (answer != null) {
            call.answer = answer;
            charge(call);
            if (!out.ended() && !out.closed()) {
              out.end(call.takeRelayed());
            }
          } else {
            call.error = "the identical stream this call shared broke off: " + failure;
            if (!out.ended() && !out.closed()) {
              out.end(call.takeRelayed().appendString(call.format.streamErrorEvent(call.error + "; nothing was charged"
                  + " for this call: retry it")));
            }
          }
          finish(call);
        });
      }
    };
  }

  /**
   * One event of a stream, {@code b[from, to)} as the provider sent it (without the blank line
   * after it): read what it says, and relay it unless it must be kept back. Runs once per streamed
   * chunk: it reads the event's bytes where they are, and relays them as they came when they are
   * exactly the event's text (no carriage return, well-formed UTF-8).
   */
  private void relayEvent(HttpServerResponse out, Call call, byte[] b, int from, int to) {
    if (!SseSplitter.plain(b, from, to)) {
      byte[] text = SseSplitter.text(b, from, to).getBytes(StandardCharsets.UTF_8); // relayed as its text
      b = text;
      from = 0;
      to = text.length;
    }
    SseSplitter.Data data = call.data().read(b, from, to);
    boolean forward = true;
    if (call.format == WireFormat.OPENAI) {
      if (data.is("[DONE]")) {
        call.streamComplete = true;
      } else if (!data.isEmpty()) {
        try {
          // A mirrored stream is put together from trees (StreamedAnswer); others are read without one.
          ChatChunk c = call.streamed == null && utf8Json(data) ? call.chunk() : null;
          JsonNode error;
          boolean usageOnly;
          if (c != null && c.read(JSON, data.bytes(), data.from(), data.to())) {
            call.meter.openAi(c);
            error = c.error;
            usageOnly = c.usage != null && c.usage.isObject() && c.noChoices;
          } else {
            JsonNode n = readTree(data);
            call.meter.openAi(n);
            if (call.streamed != null) {
              call.streamed.accept(n);
            }
            error = n.get("error");
            usageOnly = n.path("usage").isObject() && n.path("choices").isEmpty();
          }
          if (error != null) {
            call.error = "upstream error event: " + error.path("message").asText();
          }
          // The usage chunk was asked for by the gateway, not the client: keep it to ourselves.
          forward = call.clientWantsUsage || !usageOnly;
        } catch (IOException e) {
          LOG.debug("non-JSON stream event from {}", call.provider.name());
        }
      }
    } else if (call.format == WireFormat.OPENAI_RESPONSES && !data.isEmpty()) {
      try {
        JsonNode n = readTree(data);
        call.meter.openAiResponseEvent(n);
        if (call.streamed != null) {
          call.streamed.accept(n);
        }
        switch (n.path("type").asText()) {
          case "response.completed", "response.incomplete" -> call.streamComplete = true;
          case "response.failed", "error" -> {
            call.streamComplete = true;
            call.error = "upstream error event: " + (n.has("message") ? n.path("message").asText()
                : n.path("response").path("error").path("message").asText());
          }
          default -> { }
        }
      } catch (IOException e) {
        LOG.debug("non-JSON stream event from {}", call.provider.name());
      }
    } else if (!data.isEmpty()) {
      try {
        JsonNode n = readTree(data);
        call.meter.anthropicEvent(n);
        if (call.streamed != null) {
          call.streamed.accept(n);
        }
        String type = n.path("type").asText();
        if (type.equals("message_stop")) {
          call.streamComplete = true;
        } else if (type.equals("error")) {
          call.error = "upstream error event: " + n.path("error").path("message").asText();
          call.streamComplete = true;
        }
      } catch (IOException e) {
        LOG.debug("non-JSON stream event from {}", call.provider.name());
      }
    }
    if (!forward) {
      call.unpass(); // kept back: the read cannot go out as it came
    }
    if (forward && !out.ended() && !out.closed()) {
      if (call.firstByteNanos == 0) {
        call.firstByteNanos = System.nanoTime();
      }
      if (!call.pass(b, from, to)) {
        if (call.relayed == null) {
          call.relayed = Buffer.buffer(to - from + 2);
        }
        call.relayed.appendBytes(b, from, to - from).appendBytes(EVENT_END);
      }
      if (call.recorded != null) {
        call.recorded.append(new String(b, from, to - from, StandardCharsets.UTF_8)).append("\n\n");
        if (call.recorded.length() > MAX_RECORDED_STREAM_CHARS) {
          call.recorded = null; // too long to keep: relayed, not cached
        }
      }
    }
  }

  /** The JSON of an event's data, read from its bytes. */
  private static JsonNode readTree(SseSplitter.Data data) throws IOException {
    return utf8Json(data) ? JSON.readTree(data.bytes(), data.from(), data.to() - data.from())
        : JSON.readTree(data.toString());
  }

  /** Whether the data's bytes are read as UTF-8 JSON: a zero byte first would have them taken for UTF-16 or -32. */
  private static boolean utf8Json(SseSplitter.Data data) {
    byte[] b = data.bytes();
    for (int i = data.from(); i < Math.min(data.to(), data.from() + 4); i++) {
      if (b[i] == 0) {
        return false;
      }
    }
    return true;
  }

  private void breakOff(HttpServerResponse out, Call call, String why) {
    if (call.error == null) {
      call.error = why;
    }
    if (!out.ended() && !out.closed()) {
      out.end(call.takeRelayed().appendString(
          call.format.streamErrorEvent(why + "; you were charged for the tokens received so far")));
    }
  }

  // ---------------------------------------------------------------- settle and record (worker)

  private void finish(Call call) {
    if (!call.finished.compareAndSet(false, true)) {
      return;
    }
    call.endNanos = System.nanoTime();
    call.endTime = call.startTime.plusNanos(call.endNanos - call.startNanos);
    charge(call);
    d.vertx().executeBlocking(() -> {
      settle(call);
      return null;
    }, false).onFailure(err -> LOG.warn("could not settle the model call of {}", call.agent.name(), err));
  }

  /**
   * Settles the call's budget reservation from what it used (in memory, no waiting), once. Called
   * before a delivered answer's last byte where the answer is complete by then, so that a caller's
   * next call, sent as soon as this one is answered, is admitted against this one's real cost and
   * not against its still-held estimate.
   */
  private void charge(Call call) {
    if (call.charged) {
      return;
    }
    call.charged = true;
    try {
      settleLedger(call);
    } catch (RuntimeException e) {
      LOG.warn("could not settle the budget of a model call of {}", call.agent.name(), e);
    }
  }

  private void settleLedger(Call call) {
    Metering m = call.meter;
    BigDecimal cost = BigDecimal.ZERO;
    BigDecimal unrouted = BigDecimal.ZERO;
    String unpriced = "";
    BigDecimal promptCacheSaved = BigDecimal.ZERO;
    boolean fresh = !call.cacheOutcome.equals("hit") && !call.cacheOutcome.equals("coalesced");
    if (call.reservation != null) {
      if (!call.delivered) {
        d.ledger().release(call.reservation); // nothing reached the caller: nothing charged
      } else if (call.answer != null) {
        // A whole answer: priced per upstream call behind it; a replayed or shared answer cost nothing upstream.
        AnswerCache.Answer a = call.answer;
        AnswerCache.Leg last = a.legs().getLast();
        BigDecimal unroutedPrice = price(call.snapshot, call.model.pinnedRevision(), last.inputTokens(),
            last.outputTokens(), last.cachedTokens(), last.cacheWrite5mTokens(), last.cacheWrite1hTokens());
        if (fresh) {
          for (AnswerCache.Leg leg : a.legs()) {
            BigDecimal priced = priceLeg(leg, leg.model().pinnedRevision());
            if (priced == null) {
              unpriced = leg.snapshot();
            } else {
              cost = cost.add(priced);
              promptCacheSaved = promptCacheSaved.add(promptCacheSaving(leg.responseModel().isEmpty() ? leg.snapshot()
                  : leg.responseModel(), leg.model().pinnedRevision(), leg.inputTokens(), leg.outputTokens(),
                  leg.cachedTokens(), priced));
            }
          }
          if (a.legs().size() == 1 && !last.usageSeen()) {
            cost = call.estimatedUsd; // the provider reported no usage: charge what was held
            unroutedPrice = cost;
          }
        }
        // What the same call would have cost sent to the requested model without routing or cache.
        unrouted = unroutedPrice == null ? cost : unroutedPrice;
        d.ledger().settle(call.reservation, cost);
      } else {
        if (m.usageSeen) {
          BigDecimal priced = priceLeg(m.leg(call.model, call.snapshot), call.model.pinnedRevision());
          if (priced == null) {
            unpriced = call.snapshot;
          } else {
            cost = priced;
            if (!call.cacheOutcome.equals("hit")) {
              promptCacheSaved = promptCacheSaving(m.responseModel.isEmpty() ? call.snapshot : m.responseModel,
                  call.model.pinnedRevision(), m.inputTokens, m.outputTokens, m.cachedTokens, priced);
            }
          }
        } else if (!fresh) {
          cost = BigDecimal.ZERO; // followed a shared stream that failed: the call leading it pays what it used
        } else if (call.stream) {
          // A stream cut before its usage arrived: charge the prompt and what was received, by size.
          BigDecimal priced = price(call.snapshot, call.model.pinnedRevision(), Math.max(1, call.bodyBytes / 4),
              (m.answer.length() + m.reasoning.length()) / 4 + 1, 0);
          cost = priced == null ? BigDecimal.ZERO : priced;
        } else {
          cost = call.estimatedUsd; // the provider reported no usage: charge what was held
        }
        unrouted = cost;
        d.ledger().settle(call.reservation, cost);
      }
    }
    call.costUsd = cost;
    call.unroutedUsd = unrouted;
    call.unpriced = unpriced;
    call.promptCacheSavedUsd = promptCacheSaved;
  }

  private void settle(Call call) {
    BigDecimal cost = call.costUsd;
    BigDecimal unrouted = call.unroutedUsd;
    String unpriced = call.unpriced;
    BigDecimal promptCacheSaved = call.promptCacheSavedUsd;
    boolean fresh = !call.cacheOutcome.equals("hit") && !call.cacheOutcome.equals("coalesced");
    if (call.delivered) {
      boolean escalated = fresh && !call.escalatedOn.isEmpty();
      boolean bySmall = fresh && call.small != null && call.answeredModel == call.small;
      savings.add(call.agent.name(), new ModelSavings(1, call.cacheOutcome.equals("hit") ? 1 : 0,
          call.cacheOutcome.equals("coalesced") ? 1 : 0, bySmall ? 1 : 0, escalated ? 1 : 0, unrouted, cost,
          promptCacheSaved));
      if (escalated) {
        recordEscalation(call);
      }
    }
    if (call.shadow != null && fresh && call.answer != null && call.answer.status() / 100 == 2
        && call.answeredModel == call.model) {
      BigDecimal primaryUsd = priceLeg(call.answer.legs().getLast(), call.model.pinnedRevision());
      mirror(call, call.shadow, call.answer.body().getBytes(), primaryUsd == null ? BigDecimal.ZERO : primaryUsd);
    } else if (call.shadow != null && fresh && call.streamed != null && call.streamComplete && call.error == null) {
      // A stream is compared as the whole answer its events add up to.
      mirror(call, call.shadow, call.streamed.whole().toString().getBytes(StandardCharsets.UTF_8), cost);
    }
    String driftKind = fresh ? detectDrift(call) : "";
    try {
      d.spans().write(span(call, cost, unrouted, unpriced, driftKind)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("could not record the span of a model call of {}", call.agent.name(), e);
    }
  }

  /**
   * Sends the call's request to the shadow candidate after the primary answer was delivered (so the
   * caller's latency and answer are never affected), compares the two answers
   * ({@link ShadowComparison}) and records the pair. The candidate's cost is recorded on the pair,
   * not charged to the agent's budgets: the experiment is the operator's, and must not refuse the
   * agent's own calls.
   */
  private void mirror(Call call, ShadowPlan plan, byte[] primary, BigDecimal primaryUsd) {
    ObjectNode body = call.body.deepCopy();
    body.put("model", plan.snapshot());
    body.remove("stream");
    body.remove("stream_options");
    if (call.format == WireFormat.OPENAI_RESPONSES) {
      body.put("store", false); // the candidate's answer is not a response the agent can continue from
    }
    long primaryMs = (call.endNanos - call.startNanos) / 1_000_000;
    // On the request's event loop, as every upstream call: from a worker thread the response's
    // callbacks would run on workers and the body could be read after it arrived.
    call.context.runOnContext(v -> {
      long start = System.nanoTime();
      Instant startTime = d.clock().instant();
      fetch(call, plan.candidate(), plan.snapshot(), plan.provider(), plan.apiKey(), path(call.format), body)
          .onComplete(ar -> {
            long candidateMs = (System.nanoTime() - start) / 1_000_000;
            d.vertx().executeBlocking(() -> {
              List<String> differences;
              BigDecimal candidateUsd = BigDecimal.ZERO;
              AnswerCache.@Nullable Leg leg = null;
              String candidateText = "";
              if (ar.failed()) {
                differences = List.of("candidate did not answer: " + firstLine(String.valueOf(ar.cause().getMessage())));
              } else if (ar.result().status() / 100 != 2) {
                differences = List.of("candidate answered " + ar.result().status() + ": "
                    + firstLine(ar.result().body().toString()));
              } else {
                leg = ar.result().legs().getLast();
                BigDecimal priced = priceLeg(leg, plan.candidate().pinnedRevision());
                candidateUsd = priced == null ? BigDecimal.ZERO : priced;
                try {
                  JsonNode candidate = JSON.readTree(ar.result().body().getBytes());
                  candidateText = ShadowComparison.outcome(call.format, candidate).text();
                  differences = ShadowComparison.compare(call.format, JSON.readTree(primary), candidate);
                } catch (IOException e) {
                  differences = List.of("candidate's answer is not JSON");
                }
              }
              ModelShadowRun run = d.shadows().record(call.agent.name(), describe(call.model),
                  describe(plan.candidate()), differences.isEmpty(), differences, primaryMs, candidateMs, primaryUsd,
                  candidateUsd, call.trace.traceId());
              shadowRuns.increment();
              try {
                d.spans().write(shadowSpan(call, plan, run, leg, candidateText, startTime, candidateMs,
                    ar.failed() || ar.result().status() / 100 != 2)).toCompletableFuture().get(10, TimeUnit.SECONDS);
              } catch (Exception e) {
                LOG.warn("could not record the span of a shadow run of {}", call.agent.name(), e);
              }
              return null;
            }, false).onFailure(err -> LOG.warn("could not record the shadow run of {}", call.agent.name(), err));
          });
    });
  }

  /**
   * The candidate's call of a shadow pair as a span in the caller's logical trace, beside the
   * primary call's span (a sibling: as its child with the same token counts the trace store would
   * take it for the same provider call) and naming it in {@code warden.shadow.primary_span_id}:
   * found by trace search (its answer text, {@code warden.shadow.agreed}). Its cost is 0 USD: the
   * candidate is the operator's experiment, not the agent's spending
   * ({@code warden.shadow.candidate_usd} says what it cost).
   */
  private SpanRecord shadowSpan(Call call, ShadowPlan plan, ModelShadowRun run, AnswerCache.@Nullable Leg leg,
      String text, Instant startTime, long candidateMs, boolean failed) {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("gen_ai.operation.name", "chat");
    a.put("gen_ai.provider.name", plan.candidate().provider());
    a.put("gen_ai.request.model", plan.snapshot());
    if (leg != null && !leg.responseModel().isEmpty()) {
      a.put("gen_ai.response.model", leg.responseModel());
    }
    a.put("gen_ai.usage.input_tokens", Long.toString(leg == null ? 0 : leg.inputTokens()));
    a.put("gen_ai.usage.output_tokens", Long.toString(leg == null ? 0 : leg.outputTokens()));
    a.put("warden.shadow.role", "candidate");
    a.put("warden.shadow.primary_span_id", call.spanId);
    a.put("warden.shadow.run_id", run.id());
    a.put("warden.shadow.primary", run.primary());
    a.put("warden.shadow.candidate", run.candidate());
    a.put("warden.shadow.agreed", Boolean.toString(run.agreed()));
    if (!run.differences().isEmpty()) {
      a.put("warden.shadow.differences", String.join("; ", run.differences()));
    }
    a.put("warden.shadow.candidate_usd", run.candidateUsd().toPlainString());
    a.put("warden.cost.usd", "0");
    a.put("warden.cost.source", "shadow");
    a.put("warden.gateway.latency_ms", Long.toString(candidateMs));
    long start = startTime.getEpochSecond() * 1_000_000_000L + startTime.getNano();
    return new SpanRecord(call.trace.traceId(), TraceContext.newSpanId(), call.trace.parentSpanId(),
        call.trace.logicalTraceId(), "shadow chat " + plan.snapshot(), SERVICE, call.agent.name(), "chat", start, start + candidateMs * 1_000_000L,
        failed ? "ERROR" : "OK", failed ? String.join("; ", run.differences()) : "", plan.snapshot(),
        leg == null ? "" : leg.responseModel(), leg == null ? 0 : leg.inputTokens(), leg == null ? 0 : leg.outputTokens(),
        leg == null ? 0 : leg.cachedTokens(), "", "", call.trace.intent(), chain(call.agent), BigDecimal.ZERO,
        text.length() > Metering.MAX_TEXT ? text.substring(0, Metering.MAX_TEXT) : text, a, List.of());
  }

  /** What the provider's prompt cache saved on one upstream call: the price without cache reads minus {@code paid}. */
  private BigDecimal promptCacheSaving(String model, String revision, long in, long out, long cached, BigDecimal paid) {
    if (cached <= 0) {
      return BigDecimal.ZERO;
    }
    BigDecimal uncached = price(model, revision, in, out, 0);
    return uncached == null || uncached.compareTo(paid) <= 0 ? BigDecimal.ZERO : uncached.subtract(paid);
  }

  private void recordEscalation(Call call) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("signal", call.escalatedOn);
    details.put("small_model", call.small == null ? "" : describe(call.small));
    details.put("pinned", describe(call.model));
    details.put("trace_id", call.trace.traceId());
    LOG.info("model call of agent {} escalated to {} on {}", call.agent.name(), describe(call.model), call.escalatedOn);
    d.audit().append(call.agent.subject(), "model.escalation", "agent/" + call.agent.name(), details);
  }

  /** Compares what the provider answered with the pinned snapshot; records drift. */
  private String detectDrift(Call call) {
    Metering m = call.meter;
    List<String> kinds = new ArrayList<>();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("pinned", describe(call.answeredModel));
    details.put("snapshot", call.answeredSnapshot);
    if (!m.responseModel.isEmpty() && !m.responseModel.equals(call.answeredSnapshot)) {
      kinds.add("model");
      details.put("reported_model", m.responseModel);
    }
    if (!m.fingerprint.isEmpty()) {
      String key = call.provider.name() + "/" + call.answeredSnapshot;
      String previous = fingerprints.put(key, m.fingerprint);
      if (d.store() != null && !m.fingerprint.equals(previous)) {
        d.store().put(FINGERPRINTS, key, m.fingerprint);
      }
      if (previous != null && !previous.equals(m.fingerprint)) {
        kinds.add("system_fingerprint");
        details.put("previous_fingerprint", previous);
        details.put("fingerprint", m.fingerprint);
      }
    }
    if (kinds.isEmpty()) {
      return "";
    }
    String kind = String.join(",", kinds);
    details.put("kind", kind);
    details.put("trace_id", call.trace.traceId());
    drift.computeIfAbsent(call.agent.name(), k -> new LongAdder()).increment();
    LOG.warn("model drift for agent {}: pinned {} ({}), provider reported {}", call.agent.name(), describe(call.answeredModel),
        call.answeredSnapshot, details);
    d.audit().append(call.agent.subject(), "model.drift", "agent/" + call.agent.name(), details);
    return kind;
  }

  private SpanRecord span(Call call, BigDecimal cost, BigDecimal unrouted, String unpriced, String driftKind) {
    Metering m = call.meter;
    Map<String, String> a = new LinkedHashMap<>(64); // up to 35 attributes: no resizing
    a.put("gen_ai.operation.name", "chat");
    a.put("gen_ai.provider.name", call.model.provider());
    a.put("gen_ai.request.model", call.answeredSnapshot);
    if (!m.responseModel.isEmpty()) {
      a.put("gen_ai.response.model", m.responseModel);
    }
    if (!m.responseId.isEmpty()) {
      a.put("gen_ai.response.id", m.responseId);
    }
    if (!m.finishReason.isEmpty()) {
      a.put("gen_ai.response.finish_reasons", m.finishReason);
    }
    a.put("gen_ai.usage.input_tokens", Long.toString(m.inputTokens));
    a.put("gen_ai.usage.output_tokens", Long.toString(m.outputTokens));
    a.put("gen_ai.usage.cache_read.input_tokens", Long.toString(m.cachedTokens));
    if (m.cacheWrite5mTokens + m.cacheWrite1hTokens > 0) {
      a.put("gen_ai.usage.cache_creation.input_tokens", Long.toString(m.cacheWrite5mTokens + m.cacheWrite1hTokens));
    }
    a.put("gen_ai.usage.reasoning.output_tokens", Long.toString(m.reasoningTokens));
    if (!m.fingerprint.isEmpty()) {
      a.put("openai.response.system_fingerprint", m.fingerprint);
    }
    a.put("warden.model.pinned", describe(call.model));
    a.put("warden.gateway.cache", call.cacheKey == null ? "off" : call.cacheOutcome);
    if (call.promptCacheMarks > 0) {
      a.put("warden.gateway.prompt_cache_marks", Integer.toString(call.promptCacheMarks));
    }
    if (call.small != null || !call.escalatedOn.isEmpty()) {
      a.put("warden.routing.answered_by", describe(call.answeredModel));
      a.put("warden.routing.escalated_on", call.escalatedOn.isEmpty() ? "none" : call.escalatedOn);
    }
    if (call.small != null) {
      a.put("warden.routing.small_model", describe(call.small));
    }
    a.put("warden.model.revision", call.model.pinnedRevision());
    a.put("warden.model.client_requested", call.requestedModel);
    a.put("warden.model.drift", driftKind.isEmpty() ? "none" : driftKind);
    a.put("warden.gateway.stream", Boolean.toString(call.stream));
    a.put("warden.gateway.latency_ms", Long.toString((call.endNanos - call.startNanos) / 1_000_000));
    if (call.firstByteNanos != 0) {
      a.put("warden.gateway.first_byte_ms", Long.toString((call.firstByteNanos - call.startNanos) / 1_000_000));
    }
    a.put("warden.cost.usd", cost.toPlainString());
    a.put("warden.cost.tokens_usd", cost.toPlainString());
    a.put("warden.cost.unrouted_usd", unrouted.toPlainString());
    a.put("warden.cost.source", "gateway");
    if (!unpriced.isEmpty()) {
      a.put("warden.cost.unpriced_model", unpriced);
    }
    if (call.upstreamStatus != 0) {
      a.put("http.response.status_code", Integer.toString(call.upstreamStatus));
    }
    if (!call.trace.delegation().isEmpty()) {
      a.put("warden.delegation", call.trace.delegation());
    }
    a.put("server.address", call.provider.baseUrl().getHost());
    StringBuilder text = new StringBuilder();
    promptText(call.body, text);
    if (!m.answer.isEmpty()) {
      text.append('\n').append(m.answer);
    }
    if (!m.reasoning.isEmpty()) {
      text.append('\n').append(m.reasoning);
    }
    long start = call.startTime.getEpochSecond() * 1_000_000_000L + call.startTime.getNano();
    long end = call.endTime.getEpochSecond() * 1_000_000_000L + call.endTime.getNano();
    return new SpanRecord(call.trace.traceId(), call.spanId, call.trace.parentSpanId(), call.trace.logicalTraceId(),
        "chat " + call.answeredSnapshot, SERVICE, call.agent.name(), "chat", start, end,
        call.error == null ? "OK" : "ERROR", call.error == null ? "" : call.error, call.answeredSnapshot,
        m.responseModel,
        m.inputTokens, m.outputTokens, m.cachedTokens, "", "", call.trace.intent(), chain(call.agent),
        cost.setScale(9, RoundingMode.HALF_UP), text.length() > 2 * Metering.MAX_TEXT
            ? text.substring(0, 2 * Metering.MAX_TEXT) : text.toString(), a, List.of());
  }

  /** The prompt's text: system prompt and every message's text content. */
  private static void promptText(ObjectNode body, StringBuilder out) {
    collectText(body.path("system"), out);
    collectText(body.path("instructions"), out);
    for (JsonNode msg : body.path("messages")) {
      collectText(msg.path("content"), out);
    }
    JsonNode input = body.path("input");
    if (input.isTextual()) {
      collectText(input, out);
    } else {
      for (JsonNode item : input) {
        collectText(item.has("content") ? item.path("content") : item.path("text"), out);
      }
    }
  }

  private static void collectText(JsonNode n, StringBuilder out) {
    if (out.length() >= Metering.MAX_TEXT) {
      return;
    }
    if (n.isTextual()) {
      out.append(out.isEmpty() ? "" : "\n").append(n.asText(), 0, Math.min(n.asText().length(), Metering.MAX_TEXT));
    } else if (n.isArray()) {
      for (JsonNode part : n) {
        collectText(part.path("text"), out);
      }
    }
  }

  // ---------------------------------------------------------------- errors

  private void fail(RoutingContext ctx, WireFormat format, Throwable err) {
    if (err instanceof GatewayError ge) {
      sendError(ctx.response(), format, ge);
    } else if (err instanceof WardenException we && "unauthorized".equals(we.code())) {
      sendError(ctx.response(), format, new GatewayError(401, "invalid_api_key", we.getMessage()));
    } else {
      LOG.warn("model gateway call failed", err);
      sendError(ctx.response(), format, new GatewayError(500, "internal_error",
          "the gateway failed: " + firstLine(String.valueOf(err.getMessage()))));
    }
  }

  /** Answers {@code e} in {@code format}'s error shape. */
  public static void sendError(HttpServerResponse out, WireFormat format, GatewayError e) {
    if (out.ended() || out.closed()) {
      return;
    }
    if (out.headWritten()) {
      out.end(format.streamErrorEvent(e.getMessage()));
      return;
    }
    out.setStatusCode(e.status).putHeader("content-type", "application/json");
    if (e.retryAfter != null) {
      out.putHeader("retry-after", Long.toString(Math.max(1, e.retryAfter.toSeconds()
          + (e.retryAfter.toMillisPart() > 0 ? 1 : 0))));
    }
    out.end(format.errorBody(e.status, e.code, e.getMessage()));
  }

  private static @Nullable String credential(HttpServerRequest req) {
    String auth = req.getHeader("authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) && !auth.substring(7).isBlank()) {
      return auth.substring(7).strip();
    }
    String key = req.getHeader("x-api-key");
    return key == null || key.isBlank() ? null : key.strip();
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** One call's state, from request to span. Fields are written before the next step reads them. */
  private static final class Call {
    final WireFormat format;
    final long startNanos;
    final Instant startTime;
    final Metering meter = new Metering();
    final AtomicBoolean finished = new AtomicBoolean();
    /** The request's event-loop context: upstream calls are made on it. */
    io.vertx.core.Context context;
    TraceContext trace;
    String spanId;
    ObjectNode body;
    long bodyBytes;
    String requestedModel;
    boolean stream;
    io.vertx.core.MultiMap headers;
    AgentPrincipal agent;
    AgentDescriptor.Model model;
    String snapshot;
    UpstreamProvider provider;
    @Nullable String apiKey;
    BigDecimal estimatedUsd = BigDecimal.ZERO;
    @Nullable Reservation reservation;
    boolean clientWantsUsage;
    volatile boolean delivered;
    boolean streamComplete;
    int upstreamStatus;
    long firstByteNanos;
    long endNanos;
    Instant endTime;
    volatile @Nullable String error;
    /** Routing: the small model tried first, its upstream and the signals that escalate. */
    AgentDescriptor.@Nullable Model small;
    String smallSnapshot = "";
    @Nullable UpstreamProvider smallProvider;
    @Nullable String smallApiKey;
    List<String> escalateOn = List.of();
    String escalatedOn = "";
    /** Cache key when {@code spec.routing.cache} applies; how the lookup went (hit, coalesced, miss). */
    @Nullable String cacheKey;
    String cacheOutcome = "";
    /** The whole answer delivered (null for streams) and the model that answered it. */
    AnswerCache.@Nullable Answer answer;
    /** Whether the reservation was settled ({@link GatewayCalls#charge}), and what it came to. */
    boolean charged;
    BigDecimal costUsd = BigDecimal.ZERO;
    BigDecimal unroutedUsd = BigDecimal.ZERO;
    String unpriced = "";
    BigDecimal promptCacheSavedUsd = BigDecimal.ZERO;
    /** The policy question, once {@link GatewayCalls#prepare} has reserved the budget. */
    @Nullable DecisionInput decisionInput;
    /** A stream's relayed events, kept to be cached when it completes. */
    @Nullable StringBuilder recorded;
    /** A stream's events split from the current upstream read, not yet written to the client. */
    @Nullable Buffer relayed;
    /** A write of {@link #relayed} is scheduled for the end of this event-loop turn. */
    boolean writeScheduled;
    /** When the oldest upstream read not yet written to the client arrived; 0: none waiting. */
    long heldSince;
    boolean preflightRecorded;
    /**
     * The upstream read being split, while its events may go out as the read itself: its array,
     * where it starts, and where the last event passed ends (-1: none yet).
     */
    byte @Nullable [] readArray;
    int readFrom;
    int passTo = -1;
    /** The data of the stream event being read (reused for each). */
    SseSplitter.@Nullable Data data;
    /** The Chat Completions chunk being read (reused for each). */
    @Nullable ChatChunk chunk;
    AgentDescriptor.Model answeredModel;
    String answeredSnapshot;
    /** Prompt-cache breakpoints the gateway added ({@link PromptCacheMarks}). */
    int promptCacheMarks;
    /** The shadow candidate this call is mirrored to once answered ({@code spec.shadow}), when sampled. */
    @Nullable ShadowPlan shadow;
    /** The stream put back together as a whole answer, when it is mirrored to a shadow candidate. */
    @Nullable StreamedAnswer streamed;
    /** The live stream this call leads, which identical streaming calls follow ({@link AnswerCache#lookupStream}). */
    AnswerCache.@Nullable LiveStream live;

    Call(WireFormat format, long startNanos, Instant startTime) {
      this.format = format;
      this.startNanos = startNanos;
      this.startTime = startTime;
    }

    ChatChunk chunk() {
      ChatChunk c = chunk;
      return c != null ? c : (chunk = new ChatChunk());
    }

    /**
     * Relays the event {@code b[from, to)} as part of the current upstream read, without copying
     * it, when it follows the events passed so far directly (one "\n\n" between, none skipped);
     * false when it must be copied (after the events passed so far are).
     */
    boolean pass(byte[] b, int from, int to) {
      if (readArray == b && from == (passTo < 0 ? readFrom : passTo + 2)) {
        passTo = to;
        return true;
      }
      unpass();
      return false;
    }

    /** Copies the events passed so far of the current read to {@link #relayed}; the rest of the read is copied too. */
    void unpass() {
      byte[] read = readArray;
      if (read == null) {
        return;
      }
      readArray = null;
      if (passTo >= 0) {
        if (relayed == null) {
          relayed = Buffer.buffer(passTo - readFrom + 2);
        }
        relayed.appendBytes(read, readFrom, passTo - readFrom).appendBytes(EVENT_END);
      }
    }

    SseSplitter.Data data() {
      SseSplitter.Data d = data;
      return d != null ? d : (data = new SseSplitter.Data());
    }

    /** The events split so far, handed over to be written (empty when there are none). */
    Buffer takeRelayed() {
      Buffer b = relayed;
      relayed = null;
      return b == null ? Buffer.buffer() : b;
    }

    /** Records how long the oldest upstream read just written waited in the gateway. */
    void recordHold(GatewayTimers timers) {
      if (heldSince != 0) {
        timers.recordChunkHold(heldSince);
        heldSince = 0;
      }
    }
  }
}
