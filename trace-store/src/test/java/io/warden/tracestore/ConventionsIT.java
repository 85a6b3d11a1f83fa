package io.warden.tracestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.warden.core.trace.SpanRecord;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each convention's fixture (spans as the library exports them) sent through the real OTLP/HTTP
 * receiver, then found by a word of its prompt with the right model, tokens and cost.
 */
@Timeout(120)
class ConventionsIT extends RunningStore {
  private final HttpClient http = HttpClient.newHttpClient();

  private void send(String fixture) throws Exception {
    byte[] body;
    try (InputStream in = getClass().getResourceAsStream("/conventions/" + fixture + ".json")) {
      body = Objects.requireNonNull(in, fixture).readAllBytes();
    }
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + store.httpPort() + "/v1/traces"))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + ids.secret(Identities.PLANNER))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).as("nothing rejected").doesNotContain("rejected");
  }

  private List<SpanRecord> search(String q) throws Exception {
    return store.search(query(q, null)).hits().stream().map(SpanHit::span).toList();
  }

  private SpanRecord one(String q, String operation) {
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(search(q)).extracting(SpanRecord::operation).contains(operation));
    try {
      return search(q).stream().filter(s -> s.operation().equals(operation)).findFirst().orElseThrow();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void openInference_llmSpan_isFoundByPromptWordWithModelTokensAndCost() throws Exception {
    send("openinference-openai");
    SpanRecord s = one("charged", "chat");
    assertThat(s.agent()).isEqualTo(Identities.PLANNER);
    assertThat(s.responseModel()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(s.inputTokens()).isEqualTo(1200);
    assertThat(s.outputTokens()).isEqualTo(100);
    assertThat(s.cachedTokens()).isEqualTo(1024);
    // 176 x 2.50 + 1024 x 1.25 + 100 x 10 = 2720 per 1M (gpt-4o's price for the dated model)
    assertThat(s.costUsd()).isEqualByComparingTo("0.00272");
    assertThat(s.conversationId()).isEqualTo("sess-42");
    SpanRecord tool = one("tool:lookup_invoice", "execute_tool");
    assertThat(tool.text()).contains("paid twice");
  }

  @Test
  void vercelAiSdk_stepsArePricedOnce_andFoundByPromptWord() throws Exception {
    send("vercel-ai");
    SpanRecord step = one("cancel AND name:\"ai.generateText.doGenerate\"", "chat");
    assertThat(step.requestModel()).isEqualTo("gpt-4o-mini");
    assertThat(step.inputTokens()).isEqualTo(1200);
    assertThat(step.outputTokens()).isEqualTo(20);
    // 1200 x 0.15 + 20 x 0.60 = 192 per 1M
    assertThat(step.costUsd()).isEqualByComparingTo("0.000192");
    SpanRecord wrapper = one("cancel", "chain");
    assertThat(wrapper.costUsd()).as("the wrapping span's usage sums its steps").isZero();
    assertThat(search("tool:cancelSubscription AND subscription")).hasSize(1);
  }

  @Test
  void olderGenAiNames_areMappedAndPriced() throws Exception {
    send("openllmetry-legacy");
    SpanRecord s = one("reconcile", "chat");
    assertThat(s.responseModel()).isEqualTo("claude-sonnet-4-5-20250929");
    assertThat(s.inputTokens()).isEqualTo(2000);
    assertThat(s.outputTokens()).isEqualTo(300);
    assertThat(s.costUsd()).isEqualByComparingTo("0.00915");
  }

  @Test
  void reasoning_isSearchableApart() throws Exception {
    send("genai-reasoning");
    SpanRecord s = one("reasoning:refund", "chat");
    assertThat(s.responseModel()).isEqualTo("claude-sonnet-4-5-20250929");
    assertThat(s.costUsd()).isEqualByComparingTo("0.0105");
    assertThat(search("reasoning:returned")).as("the answer is not reasoning").isEmpty();
    assertThat(search("returned")).hasSize(1);
  }
}
