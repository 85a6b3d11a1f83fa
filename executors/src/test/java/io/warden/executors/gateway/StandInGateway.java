package io.warden.executors.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.warden.core.shadow.ModelShadowLedger;
import io.warden.demo.standin.ProviderStandIn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The test gateway ({@link GatewayFixture}: real core components, the {@link ProviderStandIn} as
 * upstream, an allow-all policy decider that answers from memory, as OPA's decider does with a warm
 * decision cache) for code outside this package: the gateway benchmarks in
 * {@code bench/} (through this module's test jar).
 */
public final class StandInGateway implements AutoCloseable {
  private final GatewayFixture f;

  private StandInGateway(GatewayFixture f) {
    this.f = f;
  }

  /** Starts the stand-in and the gateway with their state in {@code dir}; budget counters persisted every 200 ms. */
  public static StandInGateway start(Path dir) throws Exception {
    return new StandInGateway(new GatewayFixture(dir, Duration.ofMillis(200)));
  }

  /**
   * As {@link #start(Path)}, with the {@code openai} provider at {@code openAiUpstream} (a stand-in in
   * another process, as a provider is another system) instead of this process's stand-in.
   */
  public static StandInGateway start(Path dir, String openAiUpstream) throws Exception {
    return new StandInGateway(new GatewayFixture(dir, Duration.ofMillis(200), openAiUpstream));
  }

  /** Adds an agent from its descriptor YAML; returns a credential for it. */
  public String addAgent(String name, String yaml) {
    return f.addAgent(name, yaml);
  }

  /** The OpenAI base URL of the gateway ({@code http://127.0.0.1:port/v1}). */
  public String gatewayOpenAiBaseUrl() {
    return f.openAiBaseUrl();
  }

  /** The OpenAI base URL of the stand-in itself, for calls that bypass the gateway. */
  public String standInOpenAiBaseUrl() {
    return f.standIn.openAiBaseUrl();
  }

  /** Sets the text of the stand-in's whole answers, from the requested snapshot and the request. */
  public void setAnswerText(BiFunction<String, JsonNode, String> text) {
    f.standIn.answerText = text;
  }

  /**
   * Sets how the stand-in's whole answers end, from the requested snapshot and the request:
   * {@code answer}, {@code refusal}, {@code empty}, {@code length} or {@code tool_call}.
   */
  public void setBehaviour(BiFunction<String, JsonNode, String> behaviour) {
    f.standIn.behaviour = behaviour;
  }

  /**
   * Paces the stand-in's Chat Completions streams like a model generating: {@code chunks} content
   * chunks, {@code delayMs} apart ({@code 0, 0}: three chunks at once, the default).
   */
  public void paceStreams(int chunks, long delayMs) {
    f.standIn.streamChunks = chunks;
    f.standIn.streamChunkDelayMs = delayMs;
  }

  /**
   * Whether the stand-in keeps every request and the fixture every span, as tests need (the
   * default); a benchmark turns it off so its heap holds what the appliance's would.
   */
  public void keepRecords(boolean keep) {
    f.standIn.keepReceived = keep;
    f.keepSpans = keep;
  }

  /** Requests the stand-in received (straight or through the gateway). */
  public int upstreamRequests() {
    return f.standIn.received.size();
  }

  /** Forgets the requests the stand-in received (it keeps them all, for tests). */
  public void clearReceived() {
    f.standIn.received.clear();
  }

  /**
   * The gateway's meters; its timers keep p99 and p99.9 over the last 10 minutes (the appliance's
   * Prometheus histograms keep buckets only).
   */
  public MeterRegistry metrics() {
    return f.metrics;
  }

  /** Starts the gateway's meters afresh (what they recorded so far is dropped). */
  public void resetMetrics() {
    List.copyOf(f.metrics.getRegistries()).forEach(f.metrics::remove);
    f.metrics.add(new SimpleMeterRegistry());
  }

  public ModelGateway gateway() {
    return f.gateway;
  }

  public ModelShadowLedger shadows() {
    return f.shadows;
  }

  @Override
  public void close() throws Exception {
    f.close();
  }
}
