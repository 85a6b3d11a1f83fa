package io.warden.executors.gateway;

import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.warden.core.budget.TokenPrices;
import io.warden.core.shadow.ModelShadowLedger;
import io.warden.core.store.StateStore;
import io.warden.executors.internal.AbstractGatewayBuilder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** Builds a {@link ModelGateway}; obtain one with {@link ModelGateway#builder()}. */
public final class ModelGatewayBuilder extends AbstractGatewayBuilder<ModelGatewayBuilder> {
  /** Largest request body, in bytes: {@value}. Bigger requests are refused with 413. */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 8L << 20;
  /** Longest silence from an upstream before the call is given up: 10 minutes. */
  public static final Duration DEFAULT_UPSTREAM_IDLE_TIMEOUT = Duration.ofMinutes(10);
  /** How long a cached answer ({@code spec.routing.cache}) is reused: 5 minutes. */
  public static final Duration DEFAULT_CACHE_TTL = Duration.ofMinutes(5);
  /** Most answers the response cache holds: {@value}. */
  public static final long DEFAULT_CACHE_MAX_ENTRIES = 10_000;

  TokenPrices prices = TokenPrices.NONE;
  ModelCatalog catalog = ModelCatalog.seed();
  final Map<String, UpstreamProvider> providers = new LinkedHashMap<>();
  Function<String, @Nullable String> env = System::getenv;
  Duration upstreamIdleTimeout = DEFAULT_UPSTREAM_IDLE_TIMEOUT;
  @Nullable StateStore store;
  Duration cacheTtl = DEFAULT_CACHE_TTL;
  long cacheMaxEntries = DEFAULT_CACHE_MAX_ENTRIES;
  Ticker cacheTicker = Ticker.systemTicker();
  @Nullable ModelShadowLedger shadows;
  MeterRegistry meterRegistry = new CompositeMeterRegistry();

  ModelGatewayBuilder() {
    super(DEFAULT_MAX_REQUEST_BYTES);
  }

  /** Token prices for estimates and settlement; defaults to {@link TokenPrices#NONE} (free). */
  public ModelGatewayBuilder setTokenPrices(TokenPrices prices) {
    this.prices = Objects.requireNonNull(prices, "prices");
    return this;
  }

  /** The snapshot mapping to start with (main's {@code models.yaml} replaces it); defaults to the seed. */
  public ModelGatewayBuilder setModelCatalog(ModelCatalog catalog) {
    this.catalog = Objects.requireNonNull(catalog, "catalog");
    return this;
  }

  /** Adds (or replaces) an upstream, keyed by its name. */
  public ModelGatewayBuilder addProvider(UpstreamProvider provider) {
    Objects.requireNonNull(provider, "provider");
    providers.put(provider.name(), provider);
    return this;
  }

  /** Where {@code api_key_env} names are looked up; defaults to {@link System#getenv(String)}. */
  public ModelGatewayBuilder setEnvironment(Function<String, @Nullable String> env) {
    this.env = Objects.requireNonNull(env, "env");
    return this;
  }

  public ModelGatewayBuilder setUpstreamIdleTimeout(Duration timeout) {
    this.upstreamIdleTimeout = positive(timeout, "upstreamIdleTimeout");
    return this;
  }

  /**
   * Where the last {@code system_fingerprint} per snapshot is kept, so drift is detected across
   * restarts; without it the baseline is in memory only.
   */
  public ModelGatewayBuilder setStateStore(StateStore store) {
    this.store = Objects.requireNonNull(store, "store");
    return this;
  }

  /** How long a cached answer is reused; defaults to 5 minutes ({@code gateway.cache.ttl_seconds}). */
  public ModelGatewayBuilder setCacheTtl(Duration ttl) {
    this.cacheTtl = positive(ttl, "cacheTtl");
    return this;
  }

  /** Most answers the response cache holds; defaults to {@value #DEFAULT_CACHE_MAX_ENTRIES}. */
  public ModelGatewayBuilder setCacheMaxEntries(long maxEntries) {
    if (maxEntries <= 0) {
      throw new IllegalArgumentException("cacheMaxEntries must be positive, got " + maxEntries);
    }
    this.cacheMaxEntries = maxEntries;
    return this;
  }

  /** The time source of cache expiry; defaults to {@link Ticker#systemTicker()} (tests move it). */
  public ModelGatewayBuilder setCacheTicker(Ticker ticker) {
    this.cacheTicker = Objects.requireNonNull(ticker, "ticker");
    return this;
  }

  /**
   * Where the shadow pairs of {@code spec.shadow} are recorded; without it no call is mirrored to a
   * candidate.
   */
  public ModelGatewayBuilder setModelShadowLedger(ModelShadowLedger shadows) {
    this.shadows = Objects.requireNonNull(shadows, "shadows");
    return this;
  }

  /**
   * Where the gateway's own latency histograms go ({@code warden_model_gateway_preflight_seconds},
   * {@code warden_model_gateway_chunk_hold_seconds}); without it they are not kept.
   */
  public ModelGatewayBuilder setMeterRegistry(MeterRegistry registry) {
    this.meterRegistry = Objects.requireNonNull(registry, "registry");
    return this;
  }

  public ModelGateway build() {
    return new ModelGateway(this, wiring());
  }
}
