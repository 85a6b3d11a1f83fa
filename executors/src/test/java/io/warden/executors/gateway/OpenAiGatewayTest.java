package io.warden.executors.gateway;

import static io.warden.executors.gateway.GatewayFixture.OPENAI_AGENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import io.warden.core.audit.AuditEvent;
import io.warden.core.budget.BudgetUsage;
import io.warden.core.identity.AgentPrincipal;
import io.warden.core.identity.TokenScope;
import io.warden.core.policy.PolicyDecision;
import io.warden.core.trace.SpanRecord;
import io.warden.demo.standin.ProviderStandIn;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The gateway driven by the official OpenAI Java SDK (and plain HTTP where exact bytes matter). */
@Timeout(60)
class OpenAiGatewayTest {
  private static final String SNAPSHOT = "gpt-4o-2024-08-06";

  @TempDir Path dir;
  GatewayFixture f;
  OpenAIClient sdk;

  @BeforeEach
  void start() throws Exception {
    f = new GatewayFixture(dir);
    sdk = client(f.openAiCredential);
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  OpenAIClient client(String key) {
    return f.openAiClient(key);
  }

  static ChatCompletionCreateParams hello(String model) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say hello").maxCompletionTokens(64).build();
  }

  SpanRecord awaitSpan(int n) {
    await().atMost(Duration.ofSeconds(10)).until(() -> f.spansOf(OPENAI_AGENT).size() >= n);
    return f.spansOf(OPENAI_AGENT).get(n - 1);
  }

  @Test
  void create_pinsTheSnapshotAndMetersTheCall() {
    ChatCompletion c = sdk.chat().completions().create(hello("gpt-4o"));

    assertThat(c.choices().getFirst().message().content()).contains(ProviderStandIn.answer(SNAPSHOT));
    ProviderStandIn.Received up = f.standIn.last();
    assertThat(up.body().path("model").asText()).isEqualTo(SNAPSHOT);
    assertThat(up.headers()).containsEntry("authorization", "Bearer " + GatewayFixture.OPENAI_KEY);
    SpanRecord span = awaitSpan(1);
    assertThat(span.operation()).isEqualTo("chat");
    assertThat(span.requestModel()).isEqualTo(SNAPSHOT);
    assertThat(span.responseModel()).isEqualTo(SNAPSHOT);
    assertThat(span.inputTokens()).isEqualTo(ProviderStandIn.PROMPT_TOKENS);
    assertThat(span.outputTokens()).isEqualTo(ProviderStandIn.COMPLETION_TOKENS);
    assertThat(span.cachedTokens()).isEqualTo(ProviderStandIn.CACHED_TOKENS);
    assertThat(span.attributes()).containsEntry("gen_ai.usage.reasoning.output_tokens", "2")
        .containsEntry("gen_ai.provider.name", "openai").containsEntry("warden.model.drift", "none");
    // (12 - 4) x 2.50 + 4 x 1.25 + 5 x 10.00 per 1M tokens
    assertThat(span.costUsd()).isEqualByComparingTo("0.000075");
    assertThat(span.text()).contains("Say hello").contains(ProviderStandIn.answer(SNAPSHOT));
    assertThat(span.status()).isEqualTo("OK");
    await().untilAsserted(() -> assertThat(f.ledger.usage(OPENAI_AGENT, "").usdSpentToday())
        .isEqualByComparingTo("0.000075"));
  }

  @Test
  void promptCacheKey_namesTheAgent_unlessTheCallerSetOne() throws Exception {
    sdk.chat().completions().create(hello("gpt-4o"));
    assertThat(f.standIn.last().body().path("prompt_cache_key").asText()).isEqualTo("warden:" + OPENAI_AGENT);
    GatewayFixture.streamedText(sdk, hello("gpt-4o"));
    assertThat(f.standIn.last().body().path("prompt_cache_key").asText()).isEqualTo("warden:" + OPENAI_AGENT);

    sdk.chat().completions().create(hello("gpt-4o").toBuilder().promptCacheKey("tenant-7").build());
    assertThat(f.standIn.last().body().path("prompt_cache_key").asText()).isEqualTo("tenant-7");
  }

  @Test
  void createStreaming_relaysChunksAndKeepsTheUsageChunkToItself() {
    StringBuilder text = new StringBuilder();
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> s = sdk.chat().completions().createStreaming(hello("gpt-4o"))) {
      s.stream().forEach(c -> {
        chunks.add(c);
        c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
      });
    }

    assertThat(text.toString()).isEqualTo(ProviderStandIn.answer(SNAPSHOT));
    assertThat(chunks).noneMatch(c -> c.usage().isPresent());
    assertThat(f.standIn.last().body().path("stream_options").path("include_usage").asBoolean()).isTrue();
    SpanRecord span = awaitSpan(1);
    assertThat(span.inputTokens()).isEqualTo(ProviderStandIn.PROMPT_TOKENS);
    assertThat(span.outputTokens()).isEqualTo(ProviderStandIn.COMPLETION_TOKENS);
    assertThat(span.attributes()).containsEntry("warden.gateway.stream", "true");
  }

  @Test
  void streaming_relaysTheFirstChunkBeforeTheProviderHasSentTheRest() throws Exception {
    f.standIn.holdAfterFirstChunk = new java.util.concurrent.CompletableFuture<>();
    java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(
            java.net.URI.create(f.openAiBaseUrl() + "/chat/completions"))
        .header("content-type", "application/json").header("authorization", "Bearer " + f.openAiCredential)
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(Raw.chatBody("gpt-4o", true))).build();
    HttpResponse<java.io.InputStream> r = java.net.http.HttpClient.newHttpClient()
        .send(req, HttpResponse.BodyHandlers.ofInputStream());
    try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(r.body(),
        java.nio.charset.StandardCharsets.UTF_8))) {
      String line;
      do {
        line = lines.readLine();
      } while (line != null && !line.contains("\"content\":\"Hello \""));
      assertThat(line).as("the first content chunk arrives while the provider holds the rest").isNotNull();
      assertThat(f.standIn.holdAfterFirstChunk).isNotDone();

      f.standIn.holdAfterFirstChunk.complete(null);
      StringBuilder rest = new StringBuilder();
      while ((line = lines.readLine()) != null) {
        rest.append(line).append('\n');
      }
      assertThat(rest.toString()).contains("\"content\":\"from \"").contains("[DONE]");
    }
  }

  @Test
  void createStreaming_keepsTheUsageChunkWhenTheClientAskedForIt() {
    ChatCompletionCreateParams params = hello("gpt-4o").toBuilder()
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> s = sdk.chat().completions().createStreaming(params)) {
      s.stream().forEach(chunks::add);
    }

    assertThat(chunks).filteredOn(c -> c.usage().isPresent()).singleElement().satisfies(c ->
        assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(ProviderStandIn.PROMPT_TOKENS));
  }

  @Test
  void anotherModel_isRefusedAndNeverReachesTheProvider() {
    assertThatThrownBy(() -> sdk.chat().completions().create(hello("gpt-4.1")))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("model 'gpt-4.1' is not allowed for agent support-bot")
        .hasMessageContaining("openai/gpt-4o@2024-08-06");
    assertThat(f.standIn.received).isEmpty();
  }

  @Test
  void theSnapshotIdItself_isAccepted() {
    sdk.chat().completions().create(hello(SNAPSHOT));
    assertThat(f.standIn.last().body().path("model").asText()).isEqualTo(SNAPSHOT);
  }

  @Test
  void reportedModelDrift_isAuditedCountedAndOnTheSpan() {
    f.standIn.reportModel = "gpt-4o-2024-11-20";
    sdk.chat().completions().create(hello("gpt-4o"));

    SpanRecord span = awaitSpan(1);
    assertThat(span.attributes()).containsEntry("warden.model.drift", "model");
    assertThat(f.gateway.driftEvents()).containsEntry(OPENAI_AGENT, 1L);
    List<AuditEvent> events = f.audit.list(0, 100, "model.drift");
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.target()).isEqualTo("agent/" + OPENAI_AGENT);
      assertThat(e.details()).containsEntry("reported_model", "gpt-4o-2024-11-20").containsEntry("snapshot", SNAPSHOT);
    });
  }

  @Test
  void systemFingerprintChange_isDrift() {
    sdk.chat().completions().create(hello("gpt-4o"));
    awaitSpan(1);
    assertThat(f.gateway.driftEvents()).isEmpty();

    f.standIn.fingerprint = "fp_standin_2";
    sdk.chat().completions().create(hello("gpt-4o"));

    assertThat(awaitSpan(2).attributes()).containsEntry("warden.model.drift", "system_fingerprint");
    assertThat(f.audit.list(0, 100, "model.drift")).singleElement()
        .satisfies(e -> assertThat(e.details()).containsEntry("previous_fingerprint", "fp_standin_1")
            .containsEntry("fingerprint", "fp_standin_2"));
  }

  @Test
  void systemFingerprintBaseline_survivesARestart() throws Exception {
    sdk.chat().completions().create(hello("gpt-4o"));
    awaitSpan(1);

    f.restart();
    f.standIn.fingerprint = "fp_standin_3";
    client(f.openAiCredential).chat().completions().create(hello("gpt-4o"));

    assertThat(awaitSpan(2).attributes()).containsEntry("warden.model.drift", "system_fingerprint");
  }

  @Test
  void callsPerHour_over_is429WithRetryAfterNamingTheBudget() throws Exception {
    f.putAgents("calls_per_hour: 2", "calls_per_hour: 2");
    sdk.chat().completions().create(hello("gpt-4o"));
    sdk.chat().completions().create(hello("gpt-4o"));

    HttpResponse<String> r = Raw.post(f.openAiBaseUrl() + "/chat/completions", f.openAiCredential,
        Raw.chatBody("gpt-4o", false));
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(Long.parseLong(r.headers().firstValue("retry-after").orElseThrow())).isBetween(1L, 3600L);
    JsonNode err = Raw.json(r).path("error");
    assertThat(err.path("message").asText()).contains("calls_per_hour").contains("2 of 2");
    assertThat(err.path("code").asText()).isEqualTo("budget_exceeded");
    assertThat(f.standIn.received).hasSize(2);
    assertThatThrownBy(() -> sdk.chat().completions().create(hello("gpt-4o"))).isInstanceOf(RateLimitException.class);
  }

  @Test
  void budgetCounters_surviveARestart() throws Exception {
    f.putAgents("calls_per_hour: 2", "calls_per_hour: 2");
    sdk.chat().completions().create(hello("gpt-4o"));
    sdk.chat().completions().create(hello("gpt-4o"));
    awaitSpan(2);

    f.restart();

    OpenAIClient again = client(f.openAiCredential);
    {
      assertThatThrownBy(() -> again.chat().completions().create(hello("gpt-4o")))
          .isInstanceOf(RateLimitException.class).hasMessageContaining("calls_per_hour");
    }
    assertThat(f.ledger.usage(OPENAI_AGENT, "").callsLastHour()).isEqualTo(2);
  }

  @Test
  void concurrentCalls_neverPassTheHourlyLimit() throws Exception {
    f.putAgents("calls_per_hour: 5", "calls_per_hour: 5");
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<Callable<Integer>> calls = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        calls.add(() -> Raw.post(f.openAiBaseUrl() + "/chat/completions", f.openAiCredential,
            Raw.chatBody("gpt-4o", false)).statusCode());
      }
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> r : pool.invokeAll(calls, 30, TimeUnit.SECONDS)) {
        statuses.add(r.get());
      }
      assertThat(statuses).filteredOn(s -> s == 200).hasSize(5);
      assertThat(statuses).filteredOn(s -> s == 429).hasSize(15);
      assertThat(f.standIn.received).hasSize(5);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentCalls_neverOverspendTheDailyBudget() throws Exception {
    // Each call holds its estimate: 64 output tokens at 10 USD/1M plus the prompt, about 0.00075 USD.
    f.putAgents("usd_per_day: 0.004", "usd_per_day: 0.004");
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Callable<Integer>> calls = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        calls.add(() -> Raw.post(f.openAiBaseUrl() + "/chat/completions", f.openAiCredential,
            Raw.chatBody("gpt-4o", false)).statusCode());
      }
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> r : pool.invokeAll(calls, 30, TimeUnit.SECONDS)) {
        statuses.add(r.get());
      }
      assertThat(statuses).contains(200, 429);
      long ok = statuses.stream().filter(s -> s == 200).count();
      await().until(() -> f.spansOf(OPENAI_AGENT).size() == ok);
      BigDecimal spent = f.ledger.usage(OPENAI_AGENT, "").usdSpentToday();
      assertThat(spent).isLessThanOrEqualTo(new BigDecimal("0.004"))
          .isEqualByComparingTo(new BigDecimal("0.000075").multiply(BigDecimal.valueOf(ok)));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void scopedTokenBudget_isChargedAndEnforced() throws Exception {
    AgentPrincipal holder = (AgentPrincipal) f.identity.authenticate(f.openAiCredential);
    String token = f.identity.mintToken(holder, OPENAI_AGENT, new TokenScope("task-1", Set.of(),
        new BigDecimal("0.0012"), Instant.now().plus(Duration.ofMinutes(10)), List.of()));
    OpenAIClient scoped = client(token);
    {
      scoped.chat().completions().create(hello("gpt-4o")); // holds ~0.00075, settles 0.000075
      scoped.chat().completions().create(hello("gpt-4o"));
      scoped.chat().completions().create(hello("gpt-4o"));
      // 3 x 0.000075 spent; another estimate of ~0.00075 would pass 0.0012? no: 0.000225 + 0.00075 < 0.0012
      f.putAgents("calls_per_hour: 1000", "calls_per_hour: 1000");
      HttpResponse<String> big = Raw.post(f.openAiBaseUrl() + "/chat/completions", token,
          "{\"model\":\"gpt-4o\",\"max_tokens\":100000,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
      assertThat(big.statusCode()).isEqualTo(429);
      assertThat(Raw.json(big).path("error").path("message").asText()).contains("usd_budget").contains("scoped token");
      assertThat(big.headers().firstValue("retry-after")).isPresent();
    }
  }

  @Test
  void policyDeny_is403WithTheReasonAndNothingCharged() {
    f.policy.set(input -> PolicyDecision.deny("agent support-bot may not call models at night", "rev1"));
    assertThatThrownBy(() -> sdk.chat().completions().create(hello("gpt-4o")))
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("may not call models at night");
    assertThat(f.standIn.received).isEmpty();
    BudgetUsage usage = f.ledger.usage(OPENAI_AGENT, "");
    assertThat(usage.callsLastHour()).isZero();
    assertThat(usage.usdSpentToday()).isEqualByComparingTo("0");
  }

  @Test
  void policyInput_namesThePinnedModelAndBucketsTheBudget() {
    List<io.warden.core.policy.DecisionInput> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    f.policy.set(input -> {
      seen.add(input);
      return PolicyDecision.allow("rev1");
    });
    sdk.chat().completions().create(hello("gpt-4o"));
    assertThat(seen).singleElement().satisfies(in -> {
      assertThat(in.action()).isEqualTo("model.call");
      assertThat(in.resource()).isEqualTo("openai/gpt-4o@2024-08-06");
      // 1 call of 1000/h and ~0.0007 USD of 40/day round down to the bucket below.
      assertThat(in.budget()).containsEntry("calls_last_hour", 0L);
      assertThat((BigDecimal) in.budget().get("usd_spent_today")).isEqualByComparingTo("0");
    });
  }

  @Test
  void aDecisionKnownWithoutWaiting_admitsOnTheEventLoop_decideIsNotAsked() {
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
    f.policy.set(new io.warden.core.policy.PolicyDecider() {
      @Override
      public PolicyDecision decide(io.warden.core.policy.DecisionInput input) {
        asked.incrementAndGet();
        return PolicyDecision.allow("rev1");
      }

      @Override
      public PolicyDecision decideWithoutWaiting(io.warden.core.policy.DecisionInput input) {
        threads.add(Thread.currentThread().getName());
        return PolicyDecision.allow("rev1");
      }
    });
    assertThat(sdk.chat().completions().create(hello("gpt-4o")).choices()).isNotEmpty();
    assertThat(asked).hasValue(0);
    assertThat(threads).singleElement().asString().contains("eventloop");
  }

  @Test
  void aDenialKnownWithoutWaiting_is403AndNothingCharged() {
    f.policy.set(new io.warden.core.policy.PolicyDecider() {
      @Override
      public PolicyDecision decide(io.warden.core.policy.DecisionInput input) {
        throw new AssertionError("decide must not be asked when the decision is known");
      }

      @Override
      public PolicyDecision decideWithoutWaiting(io.warden.core.policy.DecisionInput input) {
        return PolicyDecision.deny("cached: no models for support-bot", "rev1");
      }
    });
    assertThatThrownBy(() -> sdk.chat().completions().create(hello("gpt-4o")))
        .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("cached: no models for support-bot");
    assertThat(f.standIn.received).isEmpty();
    assertThat(f.ledger.usage(OPENAI_AGENT, "").callsLastHour()).isZero();
  }

  @Test
  void policyEngineFailure_failsClosed() {
    f.policy.set(input -> {
      throw new IllegalStateException("opa is down");
    });
    assertThatThrownBy(() -> sdk.chat().completions().create(hello("gpt-4o")))
        .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("policy engine unavailable");
    assertThat(f.standIn.received).isEmpty();
  }

  @Test
  void revokedCredential_is401() {
    String id = f.identity.credentials(OPENAI_AGENT).getFirst().id();
    f.identity.revokeCredential(f.admin, OPENAI_AGENT, id);
    assertThatThrownBy(() -> sdk.chat().completions().create(hello("gpt-4o")))
        .isInstanceOf(UnauthorizedException.class).hasMessageContaining("revoked");
  }

  @Test
  void unknownCredential_is401() {
    OpenAIClient stranger = client("wdn_a_nope_nope");
    {
      assertThatThrownBy(() -> stranger.chat().completions().create(hello("gpt-4o")))
          .isInstanceOf(UnauthorizedException.class);
    }
  }

  @Test
  void badKeyFlood_is429WithRetryAfter_butAValidKeyStillWorks() throws Exception {
    int refused = 0;
    for (int i = 0; i < 25; i++) {
      HttpResponse<String> r = Raw.post(f.openAiBaseUrl() + "/chat/completions", "wdn_a_bad_key" + i,
          Raw.chatBody("gpt-4o", false));
      assertThat(r.statusCode()).isIn(401, 429);
      if (r.statusCode() == 429) {
        refused++;
        assertThat(r.headers().firstValue("retry-after")).isPresent();
        assertThat(Raw.json(r).path("error").path("message").asText()).contains("too many failed authentications");
      }
    }
    assertThat(refused).as("failures past 20 a minute from one address are refused").isGreaterThanOrEqualTo(5);
    HttpResponse<String> valid = Raw.post(f.openAiBaseUrl() + "/chat/completions", f.openAiCredential,
        Raw.chatBody("gpt-4o", false));
    assertThat(valid.statusCode()).as(valid.body()).isEqualTo(200);
  }

  @Test
  void missingCredential_is401InOpenAiShape() throws Exception {
    HttpResponse<String> r = Raw.post(f.openAiBaseUrl() + "/chat/completions", null, Raw.chatBody("gpt-4o", false));
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(Raw.json(r).path("error").path("message").asText()).contains("missing credential");
  }

  @Test
  void userToken_isRefused() {
    OpenAIClient user = client(f.adminToken);
    {
      assertThatThrownBy(() -> user.chat().completions().create(hello("gpt-4o")))
          .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("agent credential");
    }
  }

  @Test
  void malformedJson_is400InOpenAiShape() throws Exception {
    HttpResponse<String> r = Raw.post(f.openAiBaseUrl() + "/chat/completions", f.openAiCredential, "{\"model\": gpt");
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode err = Raw.json(r).path("error");
    assertThat(err.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(err.path("message").asText()).contains("not valid JSON");
    assertThat(f.standIn.received).isEmpty();
  }

  @Test
  void bodyOverTheLimit_is413InOpenAiShape() throws Exception {
    String big = "x".repeat((int) GatewayFixture.MAX_REQUEST_BYTES);
    HttpResponse<String> r = Raw.post(f.openAiBaseUrl() + "/chat/completions", f.openAiCredential,
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}");
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(Raw.json(r).path("error").path("message").asText()).contains("gateway.max_request_bytes");
  }

  @Test
  void upstreamDown_is502InOpenAiShapeAndNothingCharged() throws Exception {
    f.standIn.close();
    HttpResponse<String> r = Raw.post(f.openAiBaseUrl() + "/chat/completions", f.openAiCredential,
        Raw.chatBody("gpt-4o", false));
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(Raw.json(r).path("error").path("message").asText()).contains("did not answer").contains("nothing was charged");
    await().until(() -> f.spansOf(OPENAI_AGENT).size() == 1);
    assertThat(f.spansOf(OPENAI_AGENT).getFirst().status()).isEqualTo("ERROR");
    BudgetUsage usage = f.ledger.usage(OPENAI_AGENT, "");
    assertThat(usage.callsLastHour()).isZero();
    assertThat(usage.usdSpentToday()).isEqualByComparingTo("0");
  }

  @Test
  void provider429_isPassedOnWithItsRetryAfter() throws Exception {
    f.standIn.rateLimitRetryAfter = 7;
    HttpResponse<String> r = Raw.post(f.openAiBaseUrl() + "/chat/completions", f.openAiCredential,
        Raw.chatBody("gpt-4o", false));
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("retry-after")).contains("7");
    assertThat(Raw.json(r).path("error").path("code").asText()).isEqualTo("rate_limit_exceeded");
    await().until(() -> f.spansOf(OPENAI_AGENT).size() == 1);
    assertThat(f.ledger.usage(OPENAI_AGENT, "").callsLastHour()).isZero();
  }

  @Test
  void streamCutMidAnswer_endsWithAnErrorAndChargesWhatWasUsed() throws Exception {
    f.standIn.cutStreams = true;
    HttpResponse<String> r = Raw.post(f.openAiBaseUrl() + "/chat/completions", f.openAiCredential,
        Raw.chatBody("gpt-4o", true));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"content\":\"Hello \"").contains("\"error\"").contains("broke off")
        .doesNotContain("[DONE]");
    SpanRecord span = awaitSpan(1);
    assertThat(span.status()).isEqualTo("ERROR");
    assertThat(f.ledger.usage(OPENAI_AGENT, "").usdSpentToday()).isPositive();
  }

  @Test
  void traceparentAndBaggage_placeTheSpanInTheCallersLogicalTrace() throws Exception {
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    String parent = "00f067aa0ba902b7";
    String root = "0af7651916cd43dd8448eb211c80319c";
    Raw.post(f.openAiBaseUrl() + "/chat/completions", f.openAiCredential, Raw.chatBody("gpt-4o", false),
        "traceparent", "00-" + trace + "-" + parent + "-01",
        "baggage", "warden.delegation=planner%40" + root + "%3Ab7ad6b7169203331,warden.intent=close%20the%20books");
    SpanRecord span = awaitSpan(1);
    assertThat(span.traceId()).isEqualTo(trace);
    assertThat(span.parentSpanId()).isEqualTo(parent);
    assertThat(span.logicalTraceId()).isEqualTo(root);
    assertThat(span.intent()).isEqualTo("close the books");
    assertThat(f.standIn.last().headers().get("traceparent")).startsWith("00-" + trace + "-" + span.spanId());
  }

  @Test
  void models_listsWhatTheCallerMayName() {
    assertThat(sdk.models().list().data()).extracting(m -> m.id()).containsExactly("gpt-4o");
  }

  @Test
  void unknownEndpoint_is404InOpenAiShape() throws Exception {
    HttpResponse<String> r = Raw.post(f.openAiBaseUrl() + "/embeddings", f.openAiCredential, "{}");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(Raw.json(r).path("error").path("message").asText()).contains("/v1/chat/completions");
  }

  @Test
  void anthropicAgentOnChatCompletions_isToldWhichEndpointToUse() {
    OpenAIClient wrong = client(f.anthropicCredential);
    {
      assertThatThrownBy(() -> wrong.chat().completions().create(hello("claude-opus-4-7")))
          .hasMessageContaining("call POST /v1/messages");
    }
  }
}
