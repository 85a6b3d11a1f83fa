package io.warden.executors.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.core.descriptor.AgentDescriptor;
import org.jspecify.annotations.Nullable;

/**
 * What a provider reported about one call, gathered from a whole response or stream event by
 * stream event: the model and fingerprint it answered with, token usage, the answer and the
 * reasoning text. Token counts follow the GenAI conventions: input includes cached tokens, output
 * includes reasoning tokens.
 *
 * <p>Internal: not public API. Not thread-safe (one per call, fed on its event loop).
 */
public final class Metering {
  /** Answer and reasoning text kept per call, in characters; the rest is cut. */
  static final int MAX_TEXT = 64 * 1024;

  String responseModel = "";
  String responseId = "";
  String fingerprint = "";
  String finishReason = "";
  long inputTokens;
  long outputTokens;
  long cachedTokens;
  /** Anthropic prompt-cache writes (counted in {@link #inputTokens} too), by cache lifetime: billed above input. */
  long cacheWrite5mTokens;
  long cacheWrite1hTokens;
  long reasoningTokens;
  boolean usageSeen;
  final StringBuilder answer = new StringBuilder();
  final StringBuilder reasoning = new StringBuilder();

  /** A Chat Completions response, or one chunk of its stream. */
  void openAi(JsonNode n) {
    text(n, "model", v -> responseModel = v);
    text(n, "id", v -> responseId = v);
    text(n, "system_fingerprint", v -> fingerprint = v);
    for (JsonNode choice : n.path("choices")) {
      JsonNode msg = choice.has("delta") ? choice.path("delta") : choice.path("message");
      append(answer, msg.path("content"));
      append(reasoning, msg.path("reasoning_content"));
      append(reasoning, msg.path("reasoning"));
      text(choice, "finish_reason", v -> finishReason = v);
    }
    openAiUsage(n.path("usage"));
  }

  /** A Chat Completions stream chunk read without a tree: as {@link #openAi(JsonNode)} reads its tree. */
  void openAi(ChatChunk c) {
    text(c.model, v -> responseModel = v);
    text(c.id, v -> responseId = v);
    text(c.fingerprint, v -> fingerprint = v);
    for (int i = 0; i < c.choiceCount; i++) {
      ChatChunk.Choice choice = c.choices.get(i);
      append(answer, choice.content());
      append(reasoning, choice.reasoningContent());
      append(reasoning, choice.reasoning());
      text(choice.finishReason, v -> finishReason = v);
    }
    if (c.usage != null) {
      openAiUsage(c.usage);
    }
  }

  private void openAiUsage(JsonNode u) {
    if (u.isObject()) {
      usageSeen = true;
      inputTokens = u.path("prompt_tokens").asLong(inputTokens);
      outputTokens = u.path("completion_tokens").asLong(outputTokens);
      cachedTokens = u.path("prompt_tokens_details").path("cached_tokens").asLong(cachedTokens);
      reasoningTokens = u.path("completion_tokens_details").path("reasoning_tokens").asLong(reasoningTokens);
    }
  }

  /** A Responses API response object; {@code withText} false when the stream's deltas carried the text. */
  void openAiResponse(JsonNode r, boolean withText) {
    text(r, "model", v -> responseModel = v);
    text(r, "id", v -> responseId = v);
    text(r, "status", v -> finishReason = v);
    if (withText) {
      for (JsonNode item : r.path("output")) {
        switch (item.path("type").asText()) {
          case "message" -> {
            for (JsonNode part : item.path("content")) {
              append(answer, part.path("text"));
            }
          }
          case "reasoning" -> {
            for (JsonNode part : item.path("summary")) {
              append(reasoning, part.path("text"));
            }
          }
          default -> { }
        }
      }
    }
    JsonNode u = r.path("usage");
    if (u.isObject()) {
      usageSeen = true;
      inputTokens = u.path("input_tokens").asLong(inputTokens);
      outputTokens = u.path("output_tokens").asLong(outputTokens);
      cachedTokens = u.path("input_tokens_details").path("cached_tokens").asLong(cachedTokens);
      reasoningTokens = u.path("output_tokens_details").path("reasoning_tokens").asLong(reasoningTokens);
    }
  }

  /** One Responses stream event. */
  void openAiResponseEvent(JsonNode e) {
    String type = e.path("type").asText();
    switch (type) {
      case "response.output_text.delta" -> append(answer, e.path("delta"));
      case "response.reasoning_summary_text.delta", "response.reasoning_text.delta" -> append(reasoning, e.path("delta"));
      default -> {
        if (e.path("response").isObject()) {
          openAiResponse(e.path("response"), false);
        }
      }
    }
  }

  /** A Messages response. */
  void anthropicMessage(JsonNode m) {
    text(m, "model", v -> responseModel = v);
    text(m, "id", v -> responseId = v);
    text(m, "stop_reason", v -> finishReason = v);
    for (JsonNode block : m.path("content")) {
      switch (block.path("type").asText()) {
        case "text" -> append(answer, block.path("text"));
        case "thinking" -> append(reasoning, block.path("thinking"));
        default -> { }
      }
    }
    anthropicUsage(m.path("usage"));
  }

  /** One Messages stream event (the JSON of its data line). */
  void anthropicEvent(JsonNode e) {
    switch (e.path("type").asText()) {
      case "message_start" -> anthropicMessage(e.path("message"));
      case "content_block_start" -> {
        JsonNode b = e.path("content_block");
        append("thinking".equals(b.path("type").asText()) ? reasoning : answer,
            b.path("thinking".equals(b.path("type").asText()) ? "thinking" : "text"));
      }
      case "content_block_delta" -> {
        JsonNode d = e.path("delta");
        switch (d.path("type").asText()) {
          case "text_delta" -> append(answer, d.path("text"));
          case "thinking_delta" -> append(reasoning, d.path("thinking"));
          default -> { }
        }
      }
      case "message_delta" -> {
        text(e.path("delta"), "stop_reason", v -> finishReason = v);
        anthropicUsage(e.path("usage"));
      }
      default -> { }
    }
  }

  private void anthropicUsage(JsonNode u) {
    if (!u.isObject()) {
      return;
    }
    usageSeen = true;
    if (u.has("input_tokens") || u.has("cache_read_input_tokens") || u.has("cache_creation_input_tokens")) {
      long read = u.path("cache_read_input_tokens").asLong(0);
      long created = u.path("cache_creation_input_tokens").asLong(0);
      // Anthropic counts cache reads and writes apart from input_tokens; the conventions count them in.
      inputTokens = u.path("input_tokens").asLong(0) + read + created;
      cachedTokens = read;
      JsonNode byTtl = u.path("cache_creation");
      cacheWrite1hTokens = Math.min(created, byTtl.path("ephemeral_1h_input_tokens").asLong(0));
      cacheWrite5mTokens = created - cacheWrite1hTokens; // without the split, writes are to the default 5-minute cache
    }
    if (u.has("output_tokens")) {
      outputTokens = u.path("output_tokens").asLong(outputTokens); // cumulative in message_delta
    }
  }

  /** This metering as one upstream call of {@code model} ({@code snapshot} asked for). */
  AnswerCache.Leg leg(AgentDescriptor.Model model, String snapshot) {
    return new AnswerCache.Leg(model, snapshot, responseModel, inputTokens, outputTokens, cachedTokens, usageSeen,
        cacheWrite5mTokens, cacheWrite1hTokens);
  }

  private static void text(JsonNode n, String field, java.util.function.Consumer<String> set) {
    JsonNode v = n.get(field);
    if (v != null && v.isTextual() && !v.asText().isEmpty()) {
      set.accept(v.asText());
    }
  }

  private static void text(@Nullable String v, java.util.function.Consumer<String> set) {
    if (v != null && !v.isEmpty()) {
      set.accept(v);
    }
  }

  private static void append(StringBuilder to, @Nullable String s) {
    if (s != null && to.length() < MAX_TEXT) {
      to.append(s, 0, Math.min(s.length(), MAX_TEXT - to.length()));
    }
  }

  private static void append(StringBuilder to, JsonNode v) {
    if (v != null && v.isTextual() && to.length() < MAX_TEXT) {
      String s = v.asText();
      to.append(s, 0, Math.min(s.length(), MAX_TEXT - to.length()));
    }
  }
}
