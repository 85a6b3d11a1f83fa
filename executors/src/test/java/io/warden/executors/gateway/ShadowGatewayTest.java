package io.warden.executors.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.anthropic.client.AnthropicClient;
import com.anthropic.models.messages.MessageCreateParams;
import com.openai.client.OpenAIClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.warden.core.shadow.ModelShadowReport;
import io.warden.core.shadow.ModelShadowRun;
import io.warden.demo.standin.ProviderStandIn;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spec.shadow}: sampled calls are mirrored to the candidate after the caller has its answer,
 * the two answers are compared (text, tool calls, JSON fields, end) and the pair is recorded, driven
 * by the official SDKs against the stand-in.
 */
@Timeout(60)
class ShadowGatewayTest {
  private static final String PINNED = "gpt-4o-2024-08-06";
  private static final String CANDIDATE = "gpt-4o-2024-11-20";
  private static final String CANDIDATE_MODEL = "openai/gpt-4o@2024-11-20";

  @TempDir Path dir;
  GatewayFixture f;
  OpenAIClient shadowed;

  @BeforeEach
  void start() throws Exception {
    f = new GatewayFixture(dir);
    shadowed = f.openAiClient(f.addAgent("shadowed-bot", descriptor("shadowed-bot", "1")));
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  private static String descriptor(String name, String sampleRate) {
    return """
        apiVersion: agent.os/v1
        kind: Agent
        metadata: {name: %s, owner: support}
        spec:
          model: {provider: openai, name: gpt-4o, pinned_revision: "2024-08-06"}
          budgets: {calls_per_hour: 1000, usd_per_day: 40}
          shadow:
            candidate: {provider: openai, name: gpt-4o, pinned_revision: "2024-11-20"}
            sample_rate: %s
            min_samples: 3
        """.formatted(name, sampleRate);
  }

  private static ChatCompletionCreateParams ask(String prompt) {
    return ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage(prompt).maxCompletionTokens(64).build();
  }

  private List<ModelShadowRun> awaitRuns(String agent, int n) {
    await().atMost(Duration.ofSeconds(10)).until(() -> f.shadows.runs(agent).size() >= n);
    return f.shadows.runs(agent);
  }

  private long calls(String snapshot) {
    return f.standIn.received.stream().filter(r -> r.body().path("model").asText().equals(snapshot)).count();
  }

  @Test
  void sampledCalls_areMirroredToTheCandidate_comparedAndRecorded_notChargedToTheAgent() {
    f.standIn.answerText = (model, body) -> "The invoice total is 42 USD.";
    for (int i = 0; i < 3; i++) {
      ChatCompletion c = shadowed.chat().completions().create(ask("Total of invoice " + i + "?"));
      assertThat(c.model()).isEqualTo(PINNED); // the caller gets the primary's answer
    }

    List<ModelShadowRun> runs = awaitRuns("shadowed-bot", 3);
    assertThat(runs).allSatisfy(r -> {
      assertThat(r.agreed()).isTrue();
      assertThat(r.differences()).isEmpty();
      assertThat(r.primary()).isEqualTo("openai/gpt-4o@2024-08-06");
      assertThat(r.candidate()).isEqualTo(CANDIDATE_MODEL);
      assertThat(r.candidateUsd()).isPositive();
    });
    assertThat(calls(PINNED)).isEqualTo(3);
    assertThat(calls(CANDIDATE)).isEqualTo(3);
    // the candidate's request is the caller's, renamed: same messages, never a stream
    ProviderStandIn.Received mirrored = f.standIn.received.stream()
        .filter(r -> r.body().path("model").asText().equals(CANDIDATE)).findFirst().orElseThrow();
    assertThat(mirrored.body().path("messages").get(0).path("content").asText()).isEqualTo("Total of invoice 0?");
    assertThat(mirrored.body().has("stream")).isFalse();
    // only the primary calls are charged to the agent's budget
    BigDecimal primaryCost = runs.stream().map(ModelShadowRun::primaryUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(f.ledger.usage("shadowed-bot", "").usdSpentToday()).isEqualByComparingTo(primaryCost));

    // Each pair is a span in the caller's trace beside the primary call's, costing the agent nothing.
    await().atMost(Duration.ofSeconds(10)).until(() -> f.spansOf("shadowed-bot").size() == 6);
    List<io.warden.core.trace.SpanRecord> spans = f.spansOf("shadowed-bot");
    assertThat(spans).filteredOn(s -> "candidate".equals(s.attributes().get("warden.shadow.role"))).hasSize(3)
        .allSatisfy(s -> {
          assertThat(s.name()).isEqualTo("shadow chat " + CANDIDATE);
          assertThat(s.costUsd()).isZero();
          assertThat(s.attributes()).containsEntry("warden.shadow.agreed", "true")
              .containsEntry("warden.cost.source", "shadow").containsKey("warden.shadow.run_id");
          assertThat(new BigDecimal(s.attributes().get("warden.shadow.candidate_usd"))).isPositive();
          assertThat(s.text()).contains("The invoice total is 42 USD.");
          io.warden.core.trace.SpanRecord primary = spans.stream()
              .filter(p -> p.spanId().equals(s.attributes().get("warden.shadow.primary_span_id"))).findFirst().orElseThrow();
          assertThat(primary.traceId()).isEqualTo(s.traceId());
          assertThat(primary.parentSpanId()).isEqualTo(s.parentSpanId());
          assertThat(primary.costUsd()).isPositive();
        });

    ModelShadowReport report = f.shadows.report("shadowed-bot", CANDIDATE_MODEL);
    assertThat(report.samples()).isEqualTo(3);
    assertThat(report.agreementRate()).isEqualTo(1.0);
    assertThat(f.gateway.shadowRunsTotal()).isEqualTo(3);
  }

  @Test
  void differentAnswers_disagree_namingWhatDiffered() {
    f.standIn.answerText = (model, body) -> {
      String prompt = body.path("messages").get(0).path("content").asText();
      boolean candidate = model.equals(CANDIDATE);
      return switch (prompt) {
        case "text" -> candidate ? "  the INVOICE total is 42 usd " : "The invoice total is 42 USD.";
        case "json" -> candidate ? "{\"total\": 41, \"currency\": \"USD\"}" : "{\"currency\":\"USD\",\"total\":42.0}";
        case "json-same" -> candidate ? "{\"total\": 42, \"currency\": \"USD\"}" : "{\"currency\":\"USD\",\"total\":42.0}";
        default -> candidate ? "Something else entirely." : "The invoice total is 42 USD.";
      };
    };
    f.standIn.behaviour = (model, body) ->
        model.equals(CANDIDATE) && body.path("messages").get(0).path("content").asText().equals("tool") ? "tool_call"
            : "answer";

    for (String prompt : List.of("text", "json", "json-same", "other", "tool")) {
      shadowed.chat().completions().create(ask(prompt));
      awaitRuns("shadowed-bot", List.of("text", "json", "json-same", "other", "tool").indexOf(prompt) + 1);
    }

    List<ModelShadowRun> runs = f.shadows.runs("shadowed-bot");
    assertThat(runs.get(0).agreed()).as("normalised text agrees").isTrue();
    assertThat(runs.get(1).agreed()).isFalse();
    assertThat(runs.get(1).differences()).containsExactly("field /total: primary 42.0, candidate 41");
    assertThat(runs.get(2).agreed()).as("JSON fields agree whatever their order and number form").isTrue();
    assertThat(runs.get(3).differences()).containsExactly(
        "text: primary \"The invoice total is 42 USD.\", candidate \"Something else entirely.\"");
    assertThat(runs.get(4).differences()).anySatisfy(d -> assertThat(d).startsWith("tool calls: primary [], candidate [lookup({})]"));
    ModelShadowReport report = f.shadows.report("shadowed-bot", CANDIDATE_MODEL);
    assertThat(report.samples()).isEqualTo(5);
    assertThat(report.agreements()).isEqualTo(2);
    assertThat(report.examples()).hasSize(3);
  }

  @Test
  void aSlowCandidate_neverDelaysTheCaller() {
    CompletableFuture<Void> release = new CompletableFuture<>();
    f.standIn.holdOnlyModel = CANDIDATE;
    f.standIn.holdWhole = release;
    try {
      ChatCompletion c = shadowed.chat().completions().create(ask("hello"));
      assertThat(c.choices().getFirst().message().content()).contains(ProviderStandIn.answer(PINNED));
      await().atMost(Duration.ofSeconds(10)).until(() -> calls(CANDIDATE) == 1);
      assertThat(f.shadows.runs("shadowed-bot")).isEmpty(); // still waiting for the candidate
    } finally {
      release.complete(null);
    }
    assertThat(awaitRuns("shadowed-bot", 1).getFirst().candidateLatencyMs()).isNotNegative();
  }

  @Test
  void aFailingCandidate_isADisagreement_theCallerUnaffected() {
    f.standIn.answerText = (model, body) -> {
      if (model.equals(CANDIDATE)) {
        throw new IllegalStateException("candidate down");
      }
      return "fine";
    };
    ChatCompletion c = shadowed.chat().completions().create(ask("hello"));
    assertThat(c.choices().getFirst().message().content()).contains("fine");
    assertThat(awaitRuns("shadowed-bot", 1).getFirst().differences().getFirst()).startsWith("candidate answered 500");
  }

  @Test
  void unsampledCalls_areNotMirrored() {
    OpenAIClient never = f.openAiClient(f.addAgent("never-bot", descriptor("never-bot", "0")));
    never.chat().completions().create(ask("hello"));
    shadowed.chat().completions().create(ask("counted"));
    awaitRuns("shadowed-bot", 1);
    assertThat(f.shadows.runs("never-bot")).isEmpty();
    assertThat(f.shadows.runs("shadowed-bot")).hasSize(1);
    assertThat(calls(CANDIDATE)).isEqualTo(1);
  }

  @Test
  void streams_areMirrored_comparedAsTheWholeAnswerTheirEventsAddUpTo() {
    // The stand-in streams "Hello from <model>."; the candidate answers whole, with the primary's words or not.
    String primaryText = ProviderStandIn.answer(PINNED);
    f.standIn.answerText = (model, body) -> body.path("messages").get(0).path("content").asText().equals("differ")
        ? "Something else entirely." : primaryText;
    for (String prompt : List.of("same", "differ")) {
      String text = GatewayFixture.streamedText(shadowed, ask(prompt));
      assertThat(text).isEqualTo(primaryText); // the caller gets the primary's stream
      awaitRuns("shadowed-bot", List.of("same", "differ").indexOf(prompt) + 1);
    }
    List<ModelShadowRun> runs = f.shadows.runs("shadowed-bot");
    assertThat(runs).extracting(ModelShadowRun::agreed).containsExactlyInAnyOrder(true, false);
    assertThat(runs).filteredOn(r -> !r.agreed()).singleElement().satisfies(r -> {
      assertThat(r.differences()).singleElement().asString()
          .contains("primary \"" + primaryText + "\"").contains("candidate \"Something else entirely.\"");
      assertThat(r.primaryUsd()).isPositive();
    });
    // the candidate is asked for a whole answer
    assertThat(f.standIn.received.stream().filter(r -> r.body().path("model").asText().equals(CANDIDATE)))
        .hasSize(2).allSatisfy(r -> assertThat(r.body().has("stream")).isFalse());
  }

  @Test
  void anthropicCalls_areMirroredToo() throws Exception {
    String key = f.addAgent("shadowed-claude", """
        apiVersion: agent.os/v1
        kind: Agent
        metadata: {name: shadowed-claude, owner: finance-platform}
        spec:
          model: {provider: anthropic, name: claude-opus-4-7, pinned_revision: "2026-02-14"}
          budgets: {calls_per_hour: 1000, usd_per_day: 40}
          shadow:
            candidate: {provider: anthropic, name: claude-opus-4-7, pinned_revision: "2026-05-01"}
            sample_rate: 1
        """);
    f.standIn.answerText = (model, body) -> "Reconciled.";
    AnthropicClient claude = f.anthropicClient(key);
    claude.messages().create(MessageCreateParams.builder().model("claude-opus-4-7").maxTokens(64)
        .addUserMessage("Reconcile").build());
    ModelShadowRun run = awaitRuns("shadowed-claude", 1).getFirst();
    assertThat(run.agreed()).isTrue();
    assertThat(run.candidate()).isEqualTo("anthropic/claude-opus-4-7@2026-05-01");
    assertThat(calls("claude-opus-4-7-20260501")).isEqualTo(1);
  }
}
