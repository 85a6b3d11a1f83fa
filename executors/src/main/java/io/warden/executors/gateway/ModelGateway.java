package io.warden.executors.gateway;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.inventory.MainBranchListener;
import io.warden.executors.gateway.internal.AnswerCache;
import io.warden.executors.gateway.internal.GatewayCalls;
import io.warden.executors.gateway.internal.GatewayTimers;
import io.warden.executors.internal.GatewayWiring;
import io.warden.executors.gateway.internal.GatewayError;
import io.warden.executors.gateway.internal.WireFormat;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model gateway's HTTP endpoints, mounted on the API server's router:
 *
 * <ul>
 *   <li>{@code POST /v1/chat/completions}: OpenAI Chat Completions, streaming or not;
 *   <li>{@code POST /v1/responses}: OpenAI Responses, streaming or not;
 *   <li>{@code POST /v1/messages}: Anthropic Messages, streaming or not;
 *   <li>{@code GET /v1/models}: the models the caller may name (OpenAI's list shape, or
 *       Anthropic's when the request carries {@code anthropic-version}).
 * </ul>
 *
 * <p>Callers authenticate with an agent credential or scoped token as the API key
 * ({@code Authorization: Bearer} or {@code x-api-key}); errors come in the provider's own shape.
 * The snapshot mapping follows {@code models.yaml} on {@code main} ({@link #mainListener()}).
 */
public final class ModelGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelGateway.class);

  private final AtomicReference<ModelCatalog> catalog;
  private final HttpClient client;
  private final GatewayCalls calls;
  private final long maxRequestBytes;

  ModelGateway(ModelGatewayBuilder b, GatewayWiring w) {
    this.catalog = new AtomicReference<>(b.catalog);
    this.maxRequestBytes = w.maxRequestBytes();
    this.client = w.vertx().createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setConnectTimeout(10_000).setDecompressionSupported(true),
        new PoolOptions().setHttp1MaxSize(256));
    this.calls = new GatewayCalls(new GatewayCalls.Deps(w.vertx(), client, w.identity(), w.inventory(), w.ledger(),
        w.policy(), w.audit(), w.spans(), b.prices, catalog::get, Map.copyOf(b.providers), b.env, w.clock(),
        b.upstreamIdleTimeout, b.store,
        new AnswerCache(b.cacheTtl, b.cacheMaxEntries, b.cacheTicker, GatewayCalls.MAX_RECORDED_STREAM_CHARS),
        b.shadows, GatewayTimers.register(b.meterRegistry)));
  }

  public static ModelGatewayBuilder builder() {
    return new ModelGatewayBuilder();
  }

  /** Files a new Warden repository starts with: {@code models.yaml}. */
  public static Map<String, byte[]> seedFiles() {
    return ModelCatalog.seedFiles();
  }

  /**
   * Adds the {@code /v1/*} routes to {@code router}. They authenticate callers themselves and answer
   * every error (404, 413 included) in the provider's shape, so the router's own authentication must
   * leave {@code /v1/} alone.
   */
  public void mount(Router router) {
    Objects.requireNonNull(router, "router");
    router.route("/v1/*").handler(BodyHandler.create().setBodyLimit(maxRequestBytes).setHandleFileUploads(false));
    router.post("/v1/chat/completions").handler(ctx -> calls.handleCall(ctx, WireFormat.OPENAI));
    router.post("/v1/responses").handler(ctx -> calls.handleCall(ctx, WireFormat.OPENAI_RESPONSES));
    router.post("/v1/messages").handler(ctx -> calls.handleCall(ctx, WireFormat.ANTHROPIC));
    router.get("/v1/models").handler(calls::handleModels);
    router.route("/v1/*").handler(ctx -> GatewayCalls.sendError(ctx.response(), format(ctx), new GatewayError(404,
        "not_found", "no such endpoint: " + ctx.request().method() + " " + ctx.request().path()
            + "; the model gateway serves POST /v1/chat/completions, POST /v1/responses, POST /v1/messages and"
            + " GET /v1/models")));
    router.route("/v1/*").failureHandler(ctx -> {
      if (ctx.statusCode() == 413) {
        GatewayCalls.sendError(ctx.response(), format(ctx), new GatewayError(413, "request_too_large",
            "request body over " + maxRequestBytes + " bytes (gateway.max_request_bytes)"));
      } else {
        if (ctx.failure() != null) {
          LOG.warn("model gateway request failed", ctx.failure());
        }
        int status = ctx.statusCode() < 400 ? 500 : ctx.statusCode();
        GatewayCalls.sendError(ctx.response(), format(ctx), new GatewayError(status, "http_" + status,
            "request failed"));
      }
    });
  }

  private static WireFormat format(RoutingContext ctx) {
    return ctx.request().path().startsWith("/v1/messages") || ctx.request().getHeader("anthropic-version") != null
        ? WireFormat.ANTHROPIC : WireFormat.OPENAI;
  }

  /** Reloads {@code models.yaml} when reconcile applies a new {@code main}; a bad file keeps the last good one. */
  public MainBranchListener mainListener() {
    return this::onMainChanged;
  }

  private void onMainChanged(RepoSnapshot main) {
    byte[] file = main.files().get(ModelCatalog.FILE);
    if (file == null) {
      catalog.set(ModelCatalog.seed());
      LOG.info("{} missing on main {}; using the built-in snapshot naming", ModelCatalog.FILE, main.commit());
      return;
    }
    try {
      catalog.set(ModelCatalog.parse(ModelCatalog.FILE, file));
    } catch (RuntimeException e) {
      LOG.warn("invalid {} on main {}; keeping the previous snapshot mapping: {}", ModelCatalog.FILE, main.commit(),
          e.getMessage());
    }
  }

  /** The snapshot mapping in force. */
  public ModelCatalog catalog() {
    return catalog.get();
  }

  /** Drift events per agent since start (a reported model or fingerprint other than the pinned one). */
  public Map<String, Long> driftEvents() {
    return calls.driftEvents();
  }

  /** Total drift events since start. */
  public long driftEventsTotal() {
    return driftEvents().values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * What {@code spec.routing} (cache, coalescing, small model first) and the providers' prompt
   * caches saved per agent, over every day kept (the figures survive restarts when the gateway has
   * a state store).
   */
  public Map<String, ModelSavings> savings() {
    return calls.savings();
  }

  /**
   * The same, over the UTC days the window {@code from}–{@code to} touches (savings are kept per
   * day; null: no bound).
   */
  public Map<String, ModelSavings> savings(@Nullable Instant from, @Nullable Instant to) {
    return calls.savings(from, to);
  }

  /** Calls waiting now for the answer of an identical call in flight instead of calling upstream. */
  public long coalescedWaiting() {
    return calls.coalescedWaiting();
  }

  /** USD saved over all agents and kept days: unrouted, uncached cost minus what the calls cost. */
  public double savedUsdTotal() {
    return savings().values().stream().mapToDouble(s -> s.savedUsd().doubleValue()).sum();
  }

  /** USD the providers' prompt caches saved over all agents and kept days. */
  public double promptCacheSavedUsdTotal() {
    return savings().values().stream().mapToDouble(s -> s.promptCacheSavedUsd().doubleValue()).sum();
  }

  /** Calls answered from the response cache or by joining an identical call in flight, over the kept days. */
  public long cacheHitsTotal() {
    return savings().values().stream().mapToLong(s -> s.cacheHits() + s.coalesced()).sum();
  }

  /** Calls the small model passed up to the pinned model, over the kept days. */
  public long escalationsTotal() {
    return savings().values().stream().mapToLong(ModelSavings::escalations).sum();
  }

  /** Shadow pairs ({@code spec.shadow}) compared and recorded since start. */
  public long shadowRunsTotal() {
    return calls.shadowRuns();
  }

  @Override
  public void close() {
    calls.close();
    client.close();
  }

}
