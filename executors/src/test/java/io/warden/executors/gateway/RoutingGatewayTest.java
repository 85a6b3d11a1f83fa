package io.warden.executors.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.anthropic.client.AnthropicClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.openai.client.OpenAIClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.warden.core.audit.AuditEvent;
import io.warden.core.trace.SpanRecord;
import io.warden.demo.standin.ProviderStandIn;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spec.routing}: the response cache, coalescing of identical calls in flight, small model
 * first with escalation, and the savings, driven by the official SDKs against the stand-in (whose
 * request count proves what reached upstream).
 */
@Timeout(60)
class RoutingGatewayTest {
  private static final String PINNED = "gpt-4o-2024-08-06";
  private static final String SMALL = "gpt-4.1-nano-2025-04-14";
  private static final String CLAUDE_PINNED = "claude-opus-4-7-20260214";
  private static final String CLAUDE_SMALL = "claude-haiku-4-5-20251001";

  @TempDir Path dir;
  GatewayFixture f;
  OpenAIClient cached;
  OpenAIClient routed;
  OpenAIClient routedCached;
  AnthropicClient claude;

  @BeforeEach
  void start() throws Exception {
    f = new GatewayFixture(dir);
    cached = f.openAiClient(f.addAgent("cached-bot", descriptor("cached-bot", """
              cache: true""")));
    routed = f.openAiClient(f.addAgent("routed-bot", descriptor("routed-bot", """
              small_model: {provider: openai, name: gpt-4.1-nano, pinned_revision: "2025-04-14"}
              escalate_on: [refusal, empty, length, tool_call, low_confidence]""")));
    routedCached = f.openAiClient(f.addAgent("routed-cached-bot", descriptor("routed-cached-bot", """
              cache: true
              small_model: {provider: openai, name: gpt-4.1-nano, pinned_revision: "2025-04-14"}
              escalate_on: [refusal]""")));
    String claudeKey = f.addAgent("routed-claude", """
        apiVersion: agent.os/v1
        kind: Agent
        metadata: {name: routed-claude, owner: finance-platform}
        spec:
          model: {provider: anthropic, name: claude-opus-4-7, pinned_revision: "2026-02-14"}
          budgets: {calls_per_hour: 1000, usd_per_day: 40}
          routing:
            small_model: {provider: anthropic, name: claude-haiku-4-5, pinned_revision: "2025-10-01"}
            escalate_on: [refusal, empty, length, tool_call, tool_error]
        """);
    claude = f.anthropicClient(claudeKey);
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  private static String descriptor(String name, String routing) {
    return """
        apiVersion: agent.os/v1
        kind: Agent
        metadata: {name: %s, owner: support}
        spec:
          model: {provider: openai, name: gpt-4o, pinned_revision: "2024-08-06"}
          budgets: {calls_per_hour: 1000, usd_per_day: 40}
          routing:
        %s
        """.formatted(name, routing.lines().map(l -> "    " + l.strip()).collect(java.util.stream.Collectors.joining("\n")));
  }

  private static ChatCompletionCreateParams ask(String prompt) {
    return ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage(prompt).maxCompletionTokens(64).build();
  }

  private static String text(ChatCompletion c) {
    return c.choices().getFirst().message().content().orElse("");
  }

  private List<SpanRecord> awaitSpans(String agent, int n) {
    await().atMost(Duration.ofSeconds(10)).until(() -> f.spansOf(agent).size() >= n);
    return f.spansOf(agent);
  }

  private long upstreamCalls() {
    return f.standIn.received.size();
  }

  // ---------------------------------------------------------------- cache

  @Test
  void identicalRequest_isAnsweredFromTheCache_notForwarded_butCountedAndTraced() {
    ChatCompletion first = cached.chat().completions().create(ask("Say hello"));
    ChatCompletion second = cached.chat().completions().create(ask("Say hello"));

    assertThat(upstreamCalls()).isEqualTo(1);
    assertThat(text(second)).isEqualTo(text(first)).isEqualTo(ProviderStandIn.answer(PINNED));
    List<SpanRecord> spans = awaitSpans("cached-bot", 2);
    assertThat(spans).extracting(s -> s.attributes().get("warden.gateway.cache")).containsExactly("miss", "hit");
    BigDecimal paid = new BigDecimal(spans.get(0).attributes().get("warden.cost.usd"));
    assertThat(paid).isPositive();
    assertThat(new BigDecimal(spans.get(1).attributes().get("warden.cost.usd"))).isZero();
    assertThat(new BigDecimal(spans.get(1).attributes().get("warden.cost.unrouted_usd"))).isEqualByComparingTo(paid);
    await().untilAsserted(() -> assertThat(f.ledger.usage("cached-bot", "").callsLastHour()).isEqualTo(2));
    assertThat(f.ledger.usage("cached-bot", "").usdSpentToday()).isEqualByComparingTo(paid);
    ModelSavings s = f.gateway.savings().get("cached-bot");
    assertThat(s.calls()).isEqualTo(2);
    assertThat(s.cacheHits()).isEqualTo(1);
    assertThat(s.actualUsd()).isEqualByComparingTo(paid);
    assertThat(s.unroutedUsd()).isEqualByComparingTo(paid.multiply(BigDecimal.TWO));
    assertThat(s.savedUsd()).isEqualByComparingTo(paid);

    cached.chat().completions().create(ask("Say goodbye")); // another request: forwarded
    assertThat(upstreamCalls()).isEqualTo(2);
  }

  @Test
  void savings_areKeptPerUtcDay_acrossARestart() throws Exception {
    cached.chat().completions().create(ask("Say hello"));
    cached.chat().completions().create(ask("Say hello"));
    awaitSpans("cached-bot", 2);
    ModelSavings before = f.gateway.savings().get("cached-bot");
    assertThat(before.calls()).isEqualTo(2);
    assertThat(before.cacheHits()).isEqualTo(1);

    f.restart();

    assertThat(f.gateway.savings().get("cached-bot")).isEqualTo(before);
    Instant now = f.clock.instant();
    assertThat(f.gateway.savings(now, now).get("cached-bot")).isEqualTo(before);
    assertThat(f.gateway.savings(now.minus(Duration.ofDays(3)), now.minus(Duration.ofDays(1))))
        .doesNotContainKey("cached-bot");
  }

  @Test
  void responsesAndChatCompletions_areCachedApart() {
    com.openai.models.responses.ResponseCreateParams params = com.openai.models.responses.ResponseCreateParams.builder()
        .model("gpt-4o").input("Say hello").maxOutputTokens(64L).build();
    String first = cached.responses().create(params).output().toString();
    String second = cached.responses().create(params).output().toString();
    assertThat(second).isEqualTo(first).contains(ProviderStandIn.answer(PINNED));
    assertThat(upstreamCalls()).isEqualTo(1);

    cached.chat().completions().create(ask("Say hello")); // same prompt, other endpoint: its own entry
    assertThat(upstreamCalls()).isEqualTo(2);
    assertThat(f.standIn.received).extracting(ProviderStandIn.Received::path)
        .containsExactly("/v1/responses", "/v1/chat/completions");
  }

  @Test
  void cacheKey_ignoresKeyOrderUserAndMetadata_butNotTheMessages() throws Exception {
    String key = f.identity.issueCredential(f.admin, "cached-bot").secret();
    String url = f.openAiBaseUrl() + "/chat/completions";
    HttpResponse<String> a = Raw.post(url, key, "{\"model\":\"gpt-4o\",\"max_tokens\":64,\"user\":\"u1\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}");
    HttpResponse<String> b = Raw.post(url, key, "{\"messages\":[{\"content\":\"Say hello\",\"role\":\"user\"}],"
        + "\"metadata\":{\"ticket\":\"42\"},\"user\":\"u2\",\"max_tokens\":64,\"model\":\"gpt-4o-2024-08-06\"}");
    assertThat(a.statusCode()).isEqualTo(200);
    assertThat(b.statusCode()).isEqualTo(200);
    assertThat(b.body()).isEqualTo(a.body());
    assertThat(upstreamCalls()).isEqualTo(1);

    Raw.post(url, key, "{\"model\":\"gpt-4o\",\"max_tokens\":65,\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}");
    assertThat(upstreamCalls()).isEqualTo(2);
  }

  @Test
  void cacheHit_stillNeedsAValidCredential() throws Exception {
    cached.chat().completions().create(ask("Say hello"));
    HttpResponse<String> r = Raw.post(f.openAiBaseUrl() + "/chat/completions", "wrong-key", Raw.chatBody("gpt-4o", false));
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(upstreamCalls()).isEqualTo(1);
  }

  @Test
  void cachedAnswer_expiresAfterTheTtl() {
    cached.chat().completions().create(ask("Say hello"));
    f.cacheClockAdvance.addAndGet(ModelGatewayBuilder.DEFAULT_CACHE_TTL.toNanos() - 1_000_000_000L);
    cached.chat().completions().create(ask("Say hello"));
    assertThat(upstreamCalls()).isEqualTo(1);

    f.cacheClockAdvance.addAndGet(2_000_000_000L);
    cached.chat().completions().create(ask("Say hello"));
    assertThat(upstreamCalls()).isEqualTo(2);
  }

  @Test
  void streams_areRecordedAndReplayed_keyedApartFromWholeAnswers() {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      texts.add(GatewayFixture.streamedText(cached, ask("Say hello")));
    }
    assertThat(texts).containsOnly(ProviderStandIn.answer(PINNED));
    assertThat(upstreamCalls()).isEqualTo(1);
    List<SpanRecord> spans = awaitSpans("cached-bot", 2);
    assertThat(spans).extracting(s -> s.attributes().get("warden.gateway.cache")).containsExactly("miss", "hit");
    assertThat(new BigDecimal(spans.get(1).attributes().get("warden.cost.usd"))).isZero();
    assertThat(new BigDecimal(spans.get(1).attributes().get("warden.cost.unrouted_usd")))
        .isEqualByComparingTo(spans.get(0).attributes().get("warden.cost.usd"));

    cached.chat().completions().create(ask("Say hello")); // a whole answer: its own entry
    assertThat(upstreamCalls()).isEqualTo(2);
  }

  @Test
  void cutStream_isNotCached() {
    f.standIn.cutStreams = true;
    try (var stream = cached.chat().completions().createStreaming(ask("Say hello"))) {
      stream.stream().forEach(chunk -> { });
    } catch (RuntimeException expected) {
      // the stream ends with an error event
    }
    f.standIn.cutStreams = false;
    String text = GatewayFixture.streamedText(cached, ask("Say hello"));
    assertThat(text).isEqualTo(ProviderStandIn.answer(PINNED));
    assertThat(upstreamCalls()).isEqualTo(2);
  }

  @Test
  void upstreamErrors_areNotCached() {
    f.standIn.rateLimitRetryAfter = 3;
    for (int i = 0; i < 2; i++) {
      try {
        cached.chat().completions().create(ask("Say hello"));
      } catch (com.openai.errors.RateLimitException expected) {
        // passed on
      }
    }
    f.standIn.rateLimitRetryAfter = null;
    assertThat(text(cached.chat().completions().create(ask("Say hello")))).isEqualTo(ProviderStandIn.answer(PINNED));
    assertThat(upstreamCalls()).isEqualTo(3);
  }

  // ---------------------------------------------------------------- coalescing

  @Test
  void tenConcurrentIdenticalRequests_makeOneUpstreamCall() throws Exception {
    CompletableFuture<Void> hold = new CompletableFuture<>();
    f.standIn.holdWhole = hold;
    ExecutorService pool = Executors.newFixedThreadPool(10);
    try {
      List<Future<ChatCompletion>> answers = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        answers.add(pool.submit(() -> cached.chat().completions().create(ask("Say hello"))));
      }
      await().atMost(Duration.ofSeconds(20))
          .until(() -> upstreamCalls() == 1 && f.gateway.coalescedWaiting() == 9);
      hold.complete(null);
      for (Future<ChatCompletion> a : answers) {
        assertThat(text(a.get(20, TimeUnit.SECONDS))).isEqualTo(ProviderStandIn.answer(PINNED));
      }
    } finally {
      hold.complete(null);
      pool.shutdownNow();
    }
    assertThat(upstreamCalls()).isEqualTo(1);
    List<SpanRecord> spans = awaitSpans("cached-bot", 10);
    assertThat(spans).filteredOn(s -> "coalesced".equals(s.attributes().get("warden.gateway.cache"))).hasSize(9);
    assertThat(spans).filteredOn(s -> "miss".equals(s.attributes().get("warden.gateway.cache"))).hasSize(1);
    await().untilAsserted(() -> assertThat(f.ledger.usage("cached-bot", "").callsLastHour()).isEqualTo(10));
    assertThat(f.gateway.savings().get("cached-bot").coalesced()).isEqualTo(9);
  }

  @Test
  void identicalStreamsInFlight_followTheFirst_oneUpstreamCall_eachGetsTheWholeStream() throws Exception {
    CompletableFuture<Void> hold = new CompletableFuture<>();
    f.standIn.holdAfterFirstChunk = hold; // the first stream is in flight, one part relayed
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try {
      List<Future<String>> texts = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        texts.add(pool.submit(() -> GatewayFixture.streamedText(cached, ask("Say hello"))));
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> upstreamCalls() == 1 && f.gateway.coalescedWaiting() == 4);
      hold.complete(null);
      for (Future<String> t : texts) {
        assertThat(t.get(20, TimeUnit.SECONDS)).isEqualTo(ProviderStandIn.answer(PINNED));
      }
    } finally {
      hold.complete(null);
      f.standIn.holdAfterFirstChunk = null;
      pool.shutdownNow();
    }
    assertThat(upstreamCalls()).isEqualTo(1);
    assertThat(f.gateway.coalescedWaiting()).isZero();
    List<SpanRecord> spans = awaitSpans("cached-bot", 5);
    assertThat(spans).filteredOn(s -> "coalesced".equals(s.attributes().get("warden.gateway.cache"))).hasSize(4)
        .allSatisfy(s -> assertThat(new BigDecimal(s.attributes().get("warden.cost.usd"))).isZero());
    assertThat(spans).filteredOn(s -> "miss".equals(s.attributes().get("warden.gateway.cache"))).singleElement()
        .satisfies(s -> assertThat(new BigDecimal(s.attributes().get("warden.cost.usd"))).isPositive());
    assertThat(f.gateway.savings().get("cached-bot").coalesced()).isEqualTo(4);
    // Recorded whole while it was followed: the next identical stream is a cache hit.
    try (var stream = cached.chat().completions().createStreaming(ask("Say hello"))) {
      stream.stream().forEach(chunk -> { });
    }
    assertThat(upstreamCalls()).isEqualTo(1);
  }

  @Test
  void aFollowedStreamThatBreaksOff_endsEveryFollowerWithAnError_chargingThemNothing() throws Exception {
    CompletableFuture<Void> hold = new CompletableFuture<>();
    f.standIn.holdAfterFirstChunk = hold;
    f.standIn.cutStreams = true;
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<Throwable>> outcomes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        outcomes.add(pool.submit(() -> {
          try (var stream = cached.chat().completions().createStreaming(ask("Say hello"))) {
            stream.stream().forEach(chunk -> { });
            return null;
          } catch (RuntimeException e) {
            return e;
          }
        }));
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> upstreamCalls() == 1 && f.gateway.coalescedWaiting() == 2);
      hold.complete(null);
      for (Future<Throwable> o : outcomes) {
        assertThat(o.get(20, TimeUnit.SECONDS)).as("every stream ends with an error event").isNotNull();
      }
    } finally {
      hold.complete(null);
      f.standIn.holdAfterFirstChunk = null;
      f.standIn.cutStreams = false;
      pool.shutdownNow();
    }
    List<SpanRecord> spans = awaitSpans("cached-bot", 3);
    assertThat(spans).filteredOn(s -> "coalesced".equals(s.attributes().get("warden.gateway.cache"))).hasSize(2)
        .allSatisfy(s -> {
          assertThat(new BigDecimal(s.attributes().get("warden.cost.usd"))).isZero();
          assertThat(s.status()).isEqualTo("ERROR");
        });
    // Not cached: the next identical stream goes upstream.
    String text = GatewayFixture.streamedText(cached, ask("Say hello"));
    assertThat(text).isEqualTo(ProviderStandIn.answer(PINNED));
    assertThat(upstreamCalls()).isEqualTo(2);
  }

  // ---------------------------------------------------------------- small model first

  @Test
  void smallModel_answersWhenNoSignalShows() {
    ChatCompletion c = routed.chat().completions().create(ask("Say hello"));

    assertThat(text(c)).isEqualTo(ProviderStandIn.answer(SMALL));
    assertThat(f.standIn.received).singleElement()
        .satisfies(r -> assertThat(r.body().path("model").asText()).isEqualTo(SMALL));
    SpanRecord span = awaitSpans("routed-bot", 1).getFirst();
    assertThat(span.attributes()).containsEntry("warden.routing.answered_by", "openai/gpt-4.1-nano@2025-04-14")
        .containsEntry("warden.routing.escalated_on", "none").containsEntry("gen_ai.request.model", SMALL)
        .containsEntry("warden.model.drift", "none");
    assertThat(new BigDecimal(span.attributes().get("warden.cost.usd")))
        .isLessThan(new BigDecimal(span.attributes().get("warden.cost.unrouted_usd")));
    assertThat(f.gateway.savings().get("routed-bot").smallModelAnswers()).isEqualTo(1);
    assertThat(f.audit.list(0, 100, "model.escalation")).isEmpty();
  }

  @Test
  void smallModel_escalatesToThePinnedModel_onEachDetectableSignal() {
    List<String> signals = List.of("refusal", "empty", "length", "tool_call");
    for (String signal : signals) {
      f.standIn.behaviour = (model, body) -> model.equals(SMALL) ? signal : "answer";
      ChatCompletion c = routed.chat().completions().create(ask("Say hello (" + signal + ")"));
      assertThat(text(c)).as(signal).isEqualTo(ProviderStandIn.answer(PINNED));
    }
    assertThat(f.standIn.received).extracting(r -> r.body().path("model").asText())
        .containsExactly(SMALL, PINNED, SMALL, PINNED, SMALL, PINNED, SMALL, PINNED);
    List<SpanRecord> spans = awaitSpans("routed-bot", 4);
    assertThat(spans).extracting(s -> s.attributes().get("warden.routing.escalated_on"))
        .containsExactlyInAnyOrderElementsOf(signals);
    assertThat(spans).extracting(s -> s.attributes().get("gen_ai.request.model")).containsOnly(PINNED);
    await().untilAsserted(() -> assertThat(f.audit.list(0, 100, "model.escalation")).hasSize(4));
    assertThat(f.audit.list(0, 100, "model.escalation")).extracting(e -> e.details().get("signal"))
        .containsExactlyInAnyOrderElementsOf(signals);
    AuditEvent e = f.audit.list(0, 100, "model.escalation").getFirst();
    assertThat(e.target()).isEqualTo("agent/routed-bot");
    assertThat(e.details()).containsEntry("small_model", "openai/gpt-4.1-nano@2025-04-14")
        .containsEntry("pinned", "openai/gpt-4o@2024-08-06");
    ModelSavings s = f.gateway.savings().get("routed-bot");
    assertThat(s.escalations()).isEqualTo(4);
    assertThat(s.savedUsd()).isNegative(); // the small model's tries were paid on top
    assertThat(f.gateway.escalationsTotal()).isEqualTo(4);
  }

  @Test
  void unlistedSignal_doesNotEscalate() {
    f.standIn.behaviour = (model, body) -> model.equals(SMALL) ? "tool_call" : "answer";
    ChatCompletion c = routedCached.chat().completions().create(ask("Look it up"));
    assertThat(c.choices().getFirst().message().toolCalls()).isPresent();
    assertThat(upstreamCalls()).isEqualTo(1);
  }

  @Test
  void smallModelWithoutEscalateOn_isOnlyNameable_notRouted() {
    AnthropicClient c = f.anthropicClient(f.anthropicCredential);
    Message m = c.messages().create(MessageCreateParams.builder().model("claude-opus-4-7").maxTokens(256)
        .addUserMessage("Say hello").build());
    assertThat(m.content().getFirst().asText().text()).isEqualTo(ProviderStandIn.answer(CLAUDE_PINNED));
    assertThat(upstreamCalls()).isEqualTo(1);
  }

  @Test
  void callerNamingTheSmallModel_isNotRouted() {
    f.standIn.behaviour = (model, body) -> "refusal";
    ChatCompletion c = routed.chat().completions().create(ask("Say hello").toBuilder().model("gpt-4.1-nano").build());
    assertThat(c.choices().getFirst().message().refusal()).isPresent();
    assertThat(upstreamCalls()).isEqualTo(1);
  }

  @Test
  void anthropicSmallModel_escalatesOnEachSignal() {
    for (String signal : List.of("refusal", "empty", "length", "tool_call")) {
      f.standIn.behaviour = (model, body) -> model.equals(CLAUDE_SMALL) ? signal : "answer";
      Message m = claude.messages().create(MessageCreateParams.builder().model("claude-opus-4-7").maxTokens(256)
          .addUserMessage("Say hello (" + signal + ")").build());
      assertThat(m.content().getFirst().asText().text()).as(signal).isEqualTo(ProviderStandIn.answer(CLAUDE_PINNED));
    }
    assertThat(f.standIn.received).extracting(r -> r.body().path("model").asText()).containsExactly(
        CLAUDE_SMALL, CLAUDE_PINNED, CLAUDE_SMALL, CLAUDE_PINNED, CLAUDE_SMALL, CLAUDE_PINNED, CLAUDE_SMALL,
        CLAUDE_PINNED);
    await().untilAsserted(() -> assertThat(f.gateway.savings().get("routed-claude").escalations()).isEqualTo(4));

    f.standIn.behaviour = (model, body) -> "answer";
    Message m = claude.messages().create(MessageCreateParams.builder().model("claude-opus-4-7").maxTokens(256)
        .addUserMessage("Say hello").build());
    assertThat(m.content().getFirst().asText().text()).isEqualTo(ProviderStandIn.answer(CLAUDE_SMALL));
  }

  @Test
  void failedToolResult_goesStraightToThePinnedModel() throws Exception {
    String key = f.identity.issueCredential(f.admin, "routed-claude").secret();
    HttpResponse<String> r = Raw.post(f.anthropicBaseUrl() + "/v1/messages", key, """
        {"model":"claude-opus-4-7","max_tokens":256,"messages":[
          {"role":"user","content":"Look up invoice 7"},
          {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"lookup","input":{}}]},
          {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","is_error":true,
            "content":"lookup failed"}]}]}""", "anthropic-version", "2023-06-01");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(f.standIn.received).extracting(x -> x.body().path("model").asText()).containsExactly(CLAUDE_PINNED);
    assertThat(awaitSpans("routed-claude", 1).getFirst().attributes())
        .containsEntry("warden.routing.escalated_on", "tool_error");
    await().untilAsserted(() -> assertThat(f.audit.list(0, 100, "model.escalation")).singleElement()
        .satisfies(e -> assertThat(e.details()).containsEntry("signal", "tool_error")));
  }

  // ---------------------------------------------------------------- savings on a replayed workload

  @Test
  void replayedWorkload_savesAgainstUnroutedUncachedCalls() {
    // 200 calls over 40 distinct prompts (a support bot's repeated questions); one prompt in four is
    // hard: the small model refuses it and the pinned model answers.
    f.standIn.behaviour = (model, body) -> model.equals(SMALL)
        && body.path("messages").get(0).path("content").asText().contains("hard") ? "refusal" : "answer";
    BigDecimal pinnedPerCall = null;
    for (int i = 0; i < 200; i++) {
      int prompt = (i * 7) % 40;
      String text = "Question " + prompt + (prompt % 4 == 0 ? " (hard)" : "");
      ChatCompletion c = routedCached.chat().completions().create(ask(text));
      assertThat(text(c)).isEqualTo(ProviderStandIn.answer(prompt % 4 == 0 ? PINNED : SMALL));
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> f.spansOf("routed-cached-bot").size() == 200);
    ModelSavings s = f.gateway.savings().get("routed-cached-bot");
    assertThat(s.calls()).isEqualTo(200);
    assertThat(s.cacheHits()).isEqualTo(160);
    assertThat(s.escalations()).isEqualTo(10);
    assertThat(s.smallModelAnswers()).isEqualTo(30);
    assertThat(upstreamCalls()).isEqualTo(50); // 30 small, 10 small refusals + 10 pinned
    BigDecimal saving = s.savedUsd().multiply(BigDecimal.valueOf(100)).divide(s.unroutedUsd(), 1, RoundingMode.HALF_UP);
    System.out.printf("replayed workload: 200 calls, unrouted %s USD, routed+cached %s USD, saving %s%%%n",
        s.unroutedUsd().stripTrailingZeros().toPlainString(), s.actualUsd().stripTrailingZeros().toPlainString(), saving);
    assertThat(saving).isGreaterThan(new BigDecimal("80"));
    assertThat(f.gateway.savedUsdTotal()).isPositive();
  }
}
