package io.warden.executors.gateway;

import static io.warden.executors.gateway.GatewayFixture.ANTHROPIC_AGENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.anthropic.client.AnthropicClient;
import com.anthropic.models.messages.MessageCreateParams;
import com.fasterxml.jackson.databind.JsonNode;
import io.warden.core.trace.SpanRecord;
import io.warden.demo.standin.ProviderStandIn;
import io.warden.executors.gateway.internal.PromptCacheMarks;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provider prompt caching: the gateway marks long stable prefixes of Messages requests with
 * {@code cache_control}, and what cache reads saved is counted per agent.
 */
@Timeout(60)
class PromptCachingGatewayTest {
  private static final String LONG_SYSTEM = "You reconcile supplier invoices against the ledger. ".repeat(100);

  @TempDir Path dir;
  GatewayFixture f;
  AnthropicClient sdk;

  @BeforeEach
  void start() throws Exception {
    f = new GatewayFixture(dir);
    sdk = f.anthropicClient(f.anthropicCredential);
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  private SpanRecord awaitSpan(int n) {
    await().atMost(Duration.ofSeconds(10)).until(() -> f.spansOf(ANTHROPIC_AGENT).size() >= n);
    return f.spansOf(ANTHROPIC_AGENT).get(n - 1);
  }

  @Test
  void longSystemPrompt_isMarkedForTheCache_andTheSavingCounted() {
    assertThat(LONG_SYSTEM.length()).isGreaterThan(PromptCacheMarks.MIN_PREFIX_CHARS);
    sdk.messages().create(MessageCreateParams.builder().model("claude-opus-4-7").maxTokens(64).system(LONG_SYSTEM)
        .addUserMessage("Reconcile INV-1").build());

    JsonNode system = f.standIn.last().body().path("system");
    assertThat(system.isArray()).isTrue();
    assertThat(system.get(0).path("text").asText()).isEqualTo(LONG_SYSTEM);
    assertThat(system.get(0).path("cache_control").path("type").asText()).isEqualTo("ephemeral");
    SpanRecord span = awaitSpan(1);
    assertThat(span.attributes()).containsEntry("warden.gateway.prompt_cache_marks", "1");
    assertThat(span.text()).contains("You reconcile supplier invoices");
    // 4 cache-read tokens at 15 USD/M instead of 1.50 USD/M
    await().untilAsserted(() -> assertThat(f.gateway.savings().get(ANTHROPIC_AGENT).promptCacheSavedUsd())
        .isEqualByComparingTo(new BigDecimal("0.000054")));
  }

  @Test
  void cacheWrites_arePricedAtAnthropicsPremium_byCacheLifetime() {
    f.standIn.anthropicCacheWrites = new long[] {600, 400};
    sdk.messages().create(MessageCreateParams.builder().model("claude-opus-4-7").maxTokens(64).system(LONG_SYSTEM)
        .addUserMessage("Reconcile INV-2").build());

    SpanRecord span = awaitSpan(1);
    assertThat(span.attributes()).containsEntry("gen_ai.usage.cache_creation.input_tokens", "1000");
    // 8 plain + 1,000 written input tokens at 15 USD/M, 4 cache reads at 1.50, 5 output at 75;
    // the 600 five-minute writes cost 0.25x input more, the 400 one-hour writes 1x more.
    BigDecimal expected = new BigDecimal("1008").multiply(new BigDecimal("0.000015"))
        .add(new BigDecimal("4").multiply(new BigDecimal("0.0000015")))
        .add(new BigDecimal("5").multiply(new BigDecimal("0.000075")))
        .add(new BigDecimal("600").multiply(new BigDecimal("0.000015")).multiply(new BigDecimal("0.25")))
        .add(new BigDecimal("400").multiply(new BigDecimal("0.000015")));
    assertThat(span.costUsd()).isEqualByComparingTo(expected);
    await().untilAsserted(() -> assertThat(f.ledger.usage(ANTHROPIC_AGENT, "").usdSpentToday())
        .isEqualByComparingTo(expected));
  }

  @Test
  void toolsAndSystemBlocks_getOneBreakpointEach() throws Exception {
    String tool = "{\"name\":\"lookup\",\"description\":\"" + "Looks up a ledger entry. ".repeat(200)
        + "\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}}}}";
    String body = "{\"model\":\"claude-opus-4-7\",\"max_tokens\":64,\"system\":[{\"type\":\"text\",\"text\":\"Be brief.\"}],"
        + "\"tools\":[{\"name\":\"first\",\"input_schema\":{\"type\":\"object\"}}," + tool + "],"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    var r = Raw.post(f.anthropicBaseUrl() + "/v1/messages", f.anthropicCredential, body, "anthropic-version", "2023-06-01");
    assertThat(r.statusCode()).isEqualTo(200);

    JsonNode up = f.standIn.last().body();
    assertThat(up.path("tools").get(0).has("cache_control")).isFalse();
    assertThat(up.path("tools").get(1).path("cache_control").path("type").asText()).isEqualTo("ephemeral");
    assertThat(up.path("system").get(0).path("cache_control").path("type").asText()).isEqualTo("ephemeral");
    assertThat(awaitSpan(1).attributes()).containsEntry("warden.gateway.prompt_cache_marks", "2");
  }

  @Test
  void shortPrefixes_andCallersOwnBreakpoints_areLeftAlone() throws Exception {
    sdk.messages().create(MessageCreateParams.builder().model("claude-opus-4-7").maxTokens(64).system("Be brief.")
        .addUserMessage("hi").build());
    assertThat(f.standIn.last().body().path("system").asText()).isEqualTo("Be brief.");

    String own = "{\"model\":\"claude-opus-4-7\",\"max_tokens\":64,\"system\":[{\"type\":\"text\",\"text\":"
        + ProviderStandIn.JSON.valueToTree(LONG_SYSTEM) + "},{\"type\":\"text\",\"text\":\"Today is Monday.\","
        + "\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    assertThat(Raw.post(f.anthropicBaseUrl() + "/v1/messages", f.anthropicCredential, own, "anthropic-version",
        "2023-06-01").statusCode()).isEqualTo(200);
    JsonNode system = f.standIn.last().body().path("system");
    assertThat(system.get(0).has("cache_control")).isFalse();
    assertThat(system.get(1).path("cache_control").path("type").asText()).isEqualTo("ephemeral");
    assertThat(awaitSpan(2).attributes()).doesNotContainKey("warden.gateway.prompt_cache_marks");
  }
}
