package io.warden.executors.gateway;

import static io.warden.executors.gateway.GatewayFixture.ANTHROPIC_AGENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import io.warden.core.trace.SpanRecord;
import io.warden.demo.standin.ProviderStandIn;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The gateway driven by the official Anthropic Java SDK (and plain HTTP where exact bytes matter). */
@Timeout(60)
class AnthropicGatewayTest {
  private static final String SNAPSHOT = "claude-opus-4-7-20260214";

  @TempDir Path dir;
  GatewayFixture f;
  AnthropicClient sdk;

  @BeforeEach
  void start() throws Exception {
    f = new GatewayFixture(dir);
    sdk = client(f.anthropicCredential);
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  AnthropicClient client(String key) {
    return f.anthropicClient(key);
  }

  static MessageCreateParams hello(String model) {
    return MessageCreateParams.builder().model(model).maxTokens(256).addUserMessage("Say hello").build();
  }

  SpanRecord awaitSpan(int n) {
    await().atMost(Duration.ofSeconds(10)).until(() -> f.spansOf(ANTHROPIC_AGENT).size() >= n);
    return f.spansOf(ANTHROPIC_AGENT).get(n - 1);
  }

  @Test
  void create_pinsTheSnapshotAndRecordsTheReasoning() {
    MessageCreateParams params = hello("claude-opus-4-7").toBuilder().enabledThinking(1024).build();
    Message m = sdk.messages().create(params);

    assertThat(m.content()).filteredOn(ContentBlock::isText).singleElement()
        .satisfies(b -> assertThat(b.asText().text()).isEqualTo(ProviderStandIn.answer(SNAPSHOT)));
    ProviderStandIn.Received up = f.standIn.last();
    assertThat(up.path()).isEqualTo("/v1/messages");
    assertThat(up.body().path("model").asText()).isEqualTo(SNAPSHOT);
    assertThat(up.headers()).containsEntry("x-api-key", GatewayFixture.ANTHROPIC_KEY).containsKey("anthropic-version");
    SpanRecord span = awaitSpan(1);
    // Anthropic reports cache reads apart from input_tokens; the span counts them in, as the conventions say.
    assertThat(span.inputTokens()).isEqualTo(ProviderStandIn.PROMPT_TOKENS);
    assertThat(span.cachedTokens()).isEqualTo(ProviderStandIn.CACHED_TOKENS);
    assertThat(span.outputTokens()).isEqualTo(ProviderStandIn.COMPLETION_TOKENS);
    assertThat(span.text()).contains("Say hello").contains(ProviderStandIn.answer(SNAPSHOT))
        .contains("The user greets me; greet back.");
    // (12 - 4) x 15 + 4 x 1.50 + 5 x 75 per 1M tokens
    assertThat(span.costUsd()).isEqualByComparingTo("0.000501");
  }

  @Test
  void createStreaming_relaysTheEventSequence() {
    StringBuilder text = new StringBuilder();
    List<String> types = new ArrayList<>();
    try (StreamResponse<RawMessageStreamEvent> s = sdk.messages().createStreaming(hello("claude-opus-4-7"))) {
      s.stream().forEach(e -> {
        types.add(e.isMessageStart() ? "message_start" : e.isMessageStop() ? "message_stop"
            : e.isContentBlockDelta() ? "content_block_delta" : "other");
        e.contentBlockDelta().ifPresent(d -> d.delta().text().ifPresent(t -> text.append(t.text())));
      });
    }

    assertThat(text.toString()).isEqualTo(ProviderStandIn.answer(SNAPSHOT));
    assertThat(types.getFirst()).isEqualTo("message_start");
    assertThat(types.getLast()).isEqualTo("message_stop");
    SpanRecord span = awaitSpan(1);
    assertThat(span.inputTokens()).isEqualTo(ProviderStandIn.PROMPT_TOKENS);
    assertThat(span.outputTokens()).isEqualTo(ProviderStandIn.COMPLETION_TOKENS);
    assertThat(span.status()).isEqualTo("OK");
  }

  @Test
  void aProviderConfiguredWithApiAnthropic_isSentMessagesWhateverItsName() {
    String credential = f.addAgent("proxied-finance", """
        apiVersion: agent.os/v1
        kind: Agent
        metadata:
          name: proxied-finance
          owner: finance-platform
        spec:
          model:
            provider: %s
            name: claude-opus-4-7
            pinned_revision: "2026-02-14"
        """.formatted(GatewayFixture.MESSAGES_PROXY));
    AnthropicClient proxied = client(credential);
    // models.yaml has no naming for this provider: the default template applies.
    String snapshot = "claude-opus-4-7-2026-02-14";

    Message m = proxied.messages().create(hello("claude-opus-4-7"));

    assertThat(m.content()).filteredOn(ContentBlock::isText).singleElement()
        .satisfies(b -> assertThat(b.asText().text()).isEqualTo(ProviderStandIn.answer(snapshot)));
    ProviderStandIn.Received up = f.standIn.last();
    assertThat(up.path()).isEqualTo("/v1/messages");
    assertThat(up.body().path("model").asText()).isEqualTo(snapshot);
    assertThat(up.body().has("messages")).isTrue();
    assertThat(up.headers()).containsEntry("x-api-key", GatewayFixture.ANTHROPIC_KEY).containsKey("anthropic-version");

    StringBuilder streamed = new StringBuilder();
    try (StreamResponse<RawMessageStreamEvent> s = proxied.messages().createStreaming(hello("claude-opus-4-7"))) {
      s.stream().forEach(e -> e.contentBlockDelta().ifPresent(d -> d.delta().text().ifPresent(t -> streamed.append(t.text()))));
    }
    assertThat(streamed.toString()).isEqualTo(ProviderStandIn.answer(snapshot));
    assertThat(f.standIn.last().path()).isEqualTo("/v1/messages");

    // The OpenAI endpoints are refused for it, pointing at the Messages endpoint, without calling upstream.
    int before = f.standIn.received.size();
    assertThatThrownBy(() -> f.openAiClient(credential).chat().completions().create(
        com.openai.models.chat.completions.ChatCompletionCreateParams.builder().model("claude-opus-4-7")
            .addUserMessage("Say hello").build()))
        .isInstanceOf(com.openai.errors.BadRequestException.class)
        .hasMessageContaining("POST /v1/messages").hasMessageContaining("gateway.providers.claude-proxy.api");
    assertThat(f.standIn.received).hasSize(before);
  }

  @Test
  void smallModel_isAllowedAndPinnedToItsOwnSnapshot() {
    sdk.messages().create(hello("claude-haiku-4-5"));
    assertThat(f.standIn.last().body().path("model").asText()).isEqualTo("claude-haiku-4-5-20251001");
  }

  @Test
  void anotherModel_isRefusedNamingThePinAndTheSmallModel() {
    assertThatThrownBy(() -> sdk.messages().create(hello("claude-sonnet-4-5")))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("anthropic/claude-opus-4-7@2026-02-14")
        .hasMessageContaining("claude-haiku-4-5");
    assertThat(f.standIn.received).isEmpty();
  }

  @Test
  void provider429_isPassedOnInAnthropicShape() throws Exception {
    f.standIn.rateLimitRetryAfter = 11;
    HttpResponse<String> r = Raw.post(f.anthropicBaseUrl() + "/v1/messages", null,
        Raw.chatBody("claude-opus-4-7", false), "x-api-key", f.anthropicCredential, "anthropic-version", "2023-06-01");
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("retry-after")).contains("11");
    assertThat(Raw.json(r).path("error").path("type").asText()).isEqualTo("rate_limit_error");
    assertThatThrownBy(() -> sdk.messages().create(hello("claude-opus-4-7"))).isInstanceOf(RateLimitException.class);
  }

  @Test
  void budget429_isInAnthropicShape() throws Exception {
    f.putAgents("calls_per_hour: 1", "calls_per_hour: 1");
    sdk.messages().create(hello("claude-opus-4-7"));
    HttpResponse<String> r = Raw.post(f.anthropicBaseUrl() + "/v1/messages", null,
        Raw.chatBody("claude-opus-4-7", false), "x-api-key", f.anthropicCredential);
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("retry-after")).isPresent();
    JsonNode body = Raw.json(r);
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo("rate_limit_error");
    assertThat(body.path("error").path("message").asText()).contains("calls_per_hour");
  }

  @Test
  void malformedJson_is400InAnthropicShape() throws Exception {
    HttpResponse<String> r = Raw.post(f.anthropicBaseUrl() + "/v1/messages", null, "not json",
        "x-api-key", f.anthropicCredential);
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode body = Raw.json(r);
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).isEqualTo("invalid_request_error");
  }

  @Test
  void bodyOverTheLimit_is413InAnthropicShape() throws Exception {
    String big = "x".repeat((int) GatewayFixture.MAX_REQUEST_BYTES);
    HttpResponse<String> r = Raw.post(f.anthropicBaseUrl() + "/v1/messages", null,
        "{\"model\":\"claude-opus-4-7\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}",
        "x-api-key", f.anthropicCredential);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(Raw.json(r).path("error").path("type").asText()).isEqualTo("request_too_large");
  }

  @Test
  void streamCutMidAnswer_endsWithAnErrorEvent() throws Exception {
    f.standIn.cutStreams = true;
    HttpResponse<String> r = Raw.post(f.anthropicBaseUrl() + "/v1/messages", null,
        Raw.chatBody("claude-opus-4-7", true), "x-api-key", f.anthropicCredential);
    assertThat(r.body()).contains("event: message_start").contains("event: error").doesNotContain("message_stop");
    SpanRecord span = awaitSpan(1);
    assertThat(span.status()).isEqualTo("ERROR");
    // message_start reported the input: it is charged.
    assertThat(span.inputTokens()).isEqualTo(ProviderStandIn.PROMPT_TOKENS);
    assertThat(f.ledger.usage(ANTHROPIC_AGENT, "").usdSpentToday()).isPositive();
  }

  @Test
  void revokedCredential_is401() {
    String id = f.identity.credentials(ANTHROPIC_AGENT).getFirst().id();
    f.identity.revokeCredential(f.admin, ANTHROPIC_AGENT, id);
    assertThatThrownBy(() -> sdk.messages().create(hello("claude-opus-4-7")))
        .isInstanceOf(UnauthorizedException.class);
  }

  @Test
  void models_listsThePinnedAndTheSmallModel() {
    assertThat(sdk.models().list().data()).extracting(m -> m.id())
        .containsExactly("claude-opus-4-7", "claude-haiku-4-5");
  }
}
