package io.warden.executors.gateway;

import static io.warden.executors.gateway.GatewayFixture.OPENAI_AGENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import io.warden.core.trace.SpanRecord;
import io.warden.demo.standin.ProviderStandIn;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /v1/responses} driven by the official OpenAI Java SDK. */
@Timeout(60)
class OpenAiResponsesGatewayTest {
  private static final String SNAPSHOT = "gpt-4o-2024-08-06";

  @TempDir Path dir;
  GatewayFixture f;
  OpenAIClient sdk;

  @BeforeEach
  void start() throws Exception {
    f = new GatewayFixture(dir);
    sdk = f.openAiClient(f.openAiCredential);
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  static ResponseCreateParams hello(String model) {
    return ResponseCreateParams.builder().model(model).input("Say hello").maxOutputTokens(64L).build();
  }

  SpanRecord awaitSpan() {
    await().atMost(Duration.ofSeconds(10)).until(() -> !f.spansOf(OPENAI_AGENT).isEmpty());
    return f.spansOf(OPENAI_AGENT).getFirst();
  }

  @Test
  void create_pinsMetersAndRecordsTheReasoningSummary() {
    Response r = sdk.responses().create(hello("gpt-4o"));

    String text = r.output().stream().flatMap(i -> i.message().stream()).flatMap(m -> m.content().stream())
        .flatMap(c -> c.outputText().stream()).map(t -> t.text()).reduce("", String::concat);
    assertThat(text).isEqualTo(ProviderStandIn.answer(SNAPSHOT));
    assertThat(f.standIn.last().path()).isEqualTo("/v1/responses");
    assertThat(f.standIn.last().body().path("model").asText()).isEqualTo(SNAPSHOT);
    SpanRecord span = awaitSpan();
    assertThat(span.inputTokens()).isEqualTo(ProviderStandIn.PROMPT_TOKENS);
    assertThat(span.cachedTokens()).isEqualTo(ProviderStandIn.CACHED_TOKENS);
    assertThat(span.outputTokens()).isEqualTo(ProviderStandIn.COMPLETION_TOKENS);
    assertThat(span.text()).contains("Say hello").contains(ProviderStandIn.answer(SNAPSHOT)).contains("Greeting requested.");
    assertThat(span.costUsd()).isEqualByComparingTo("0.000075");
  }

  @Test
  void createStreaming_relaysTheEventsAndMetersFromResponseCompleted() {
    StringBuilder text = new StringBuilder();
    boolean[] completed = {false};
    try (StreamResponse<ResponseStreamEvent> s = sdk.responses().createStreaming(hello("gpt-4o"))) {
      s.stream().forEach(e -> {
        e.outputTextDelta().ifPresent(d -> text.append(d.delta()));
        e.completed().ifPresent(c -> completed[0] = true);
      });
    }

    assertThat(text.toString()).isEqualTo(ProviderStandIn.answer(SNAPSHOT));
    assertThat(completed[0]).isTrue();
    SpanRecord span = awaitSpan();
    assertThat(span.outputTokens()).isEqualTo(ProviderStandIn.COMPLETION_TOKENS);
    assertThat(span.text()).contains("Greeting requested.");
    assertThat(span.status()).isEqualTo("OK");
  }

  @Test
  void anotherModel_isRefused() {
    assertThatThrownBy(() -> sdk.responses().create(hello("o3"))).isInstanceOf(NotFoundException.class)
        .hasMessageContaining("openai/gpt-4o@2024-08-06");
    assertThat(f.standIn.received).isEmpty();
  }

  @Test
  void missingInput_is400() throws Exception {
    HttpResponse<String> r = Raw.post(f.openAiBaseUrl() + "/responses", f.openAiCredential, "{\"model\":\"gpt-4o\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(Raw.json(r).path("error").path("message").asText()).contains("'input' is required");
  }

  @Test
  void streamCut_endsWithAnErrorEvent() throws Exception {
    f.standIn.cutStreams = true;
    HttpResponse<String> r = Raw.post(f.openAiBaseUrl() + "/responses", f.openAiCredential,
        "{\"model\":\"gpt-4o\",\"stream\":true,\"input\":\"Say hello\"}");
    assertThat(r.body()).contains("response.output_text.delta").contains("event: error").doesNotContain("response.completed");
    assertThat(awaitSpan().status()).isEqualTo("ERROR");
  }
}
