package io.warden.tracestore.internal.ingest;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one table of which span attribute becomes which Warden field, per instrumentation convention:
 * the current OpenTelemetry GenAI conventions, their older names (OpenLLMetry and earlier
 * instrumentations), OpenInference (Arize Phoenix) and the Vercel AI SDK. Rows are in priority
 * order per field: the first attribute a span carries wins, so the current conventions' names always
 * win when a span carries both. {@code trace-store/README.md} shows the same table, and a test
 * compares the two.
 *
 * <p>Internal: not public API.
 */
public final class AttributeMappings {
  /** A Warden field that attributes map to. */
  public enum Field {
    OPERATION("operation"),
    REQUEST_MODEL("request_model"),
    RESPONSE_MODEL("response_model"),
    PROVIDER("provider"),
    INPUT_TOKENS("input_tokens"),
    OUTPUT_TOKENS("output_tokens"),
    TOTAL_TOKENS("total_tokens"),
    CACHED_INPUT_TOKENS("cached_input_tokens"),
    CACHE_WRITE_INPUT_TOKENS("cache_write_input_tokens"),
    REASONING_TOKENS("reasoning_tokens"),
    TOOL("tool"),
    CONVERSATION_ID("conversation_id"),
    TEXT("text");

    private final String wardenName;

    Field(String wardenName) {
      this.wardenName = wardenName;
    }

    /** The field's name in search queries and in the README's table. */
    public String wardenName() {
      return wardenName;
    }
  }

  /** Convention names as the README's table shows them. */
  public static final String GEN_AI = "OpenTelemetry GenAI";
  public static final String GEN_AI_OLD = "GenAI, older names";
  public static final String OPENINFERENCE = "OpenInference";
  public static final String VERCEL = "Vercel AI SDK";

  /**
   * One row: {@code attribute} (an {@code N} stands for a message or part index) of
   * {@code convention} maps to {@code field}; {@code note} says how, when it is not taken as it is.
   */
  public record Mapping(String convention, String attribute, Field field, String note) {}

  // Notes shared by every convention's row of the same field.
  private static final String TOTAL_NOTE = "output = total − input when output is not reported";
  private static final String REASONING_NOTE = "attribute gen_ai.usage.reasoning_tokens; priced as output (see Cost)";
  private static final String CACHE_WRITE_NOTE =
      "attribute gen_ai.usage.cache_creation.input_tokens; priced at 1.25× input (see Cost)";

  /** The table, in priority order within each field. */
  public static final List<Mapping> TABLE = List.of(
      new Mapping(GEN_AI, "gen_ai.operation.name", Field.OPERATION, ""),
      new Mapping(OPENINFERENCE, "openinference.span.kind", Field.OPERATION,
          "LLM→chat, TOOL→execute_tool, AGENT→invoke_agent, EMBEDDING→embeddings, RETRIEVER→retrieval, "
              + "RERANKER→rerank, CHAIN→chain, others lower-cased"),
      new Mapping(GEN_AI_OLD, "llm.request.type", Field.OPERATION,
          "chat→chat, completion→text_completion, embedding→embeddings, rerank→rerank"),
      new Mapping(VERCEL, "ai.operationId", Field.OPERATION,
          "ai.*.doGenerate / doStream→chat, ai.*.doEmbed→embeddings, ai.toolCall→execute_tool, "
              + "other ai.* (the wrapping generateText, streamText, ...)→chain"),
      new Mapping(GEN_AI, "gen_ai.request.model", Field.REQUEST_MODEL, ""),
      new Mapping(OPENINFERENCE, "llm.model_name", Field.REQUEST_MODEL, ""),
      new Mapping(OPENINFERENCE, "embedding.model_name", Field.REQUEST_MODEL, ""),
      new Mapping(VERCEL, "ai.model.id", Field.REQUEST_MODEL, ""),
      new Mapping(GEN_AI, "gen_ai.response.model", Field.RESPONSE_MODEL, ""),
      new Mapping(OPENINFERENCE, "llm.model_name", Field.RESPONSE_MODEL, ""),
      new Mapping(VERCEL, "ai.response.model", Field.RESPONSE_MODEL, ""),
      new Mapping(GEN_AI, "gen_ai.provider.name", Field.PROVIDER, "attribute gen_ai.provider.name"),
      new Mapping(GEN_AI_OLD, "gen_ai.system", Field.PROVIDER, "attribute gen_ai.provider.name"),
      new Mapping(OPENINFERENCE, "llm.provider", Field.PROVIDER, "attribute gen_ai.provider.name"),
      new Mapping(OPENINFERENCE, "llm.system", Field.PROVIDER, "attribute gen_ai.provider.name"),
      new Mapping(VERCEL, "ai.model.provider", Field.PROVIDER, "attribute gen_ai.provider.name"),
      new Mapping(GEN_AI, "gen_ai.usage.input_tokens", Field.INPUT_TOKENS, ""),
      new Mapping(GEN_AI_OLD, "gen_ai.usage.prompt_tokens", Field.INPUT_TOKENS, ""),
      new Mapping(OPENINFERENCE, "llm.token_count.prompt", Field.INPUT_TOKENS, ""),
      new Mapping(VERCEL, "ai.usage.inputTokens", Field.INPUT_TOKENS, ""),
      new Mapping(VERCEL, "ai.usage.promptTokens", Field.INPUT_TOKENS, ""),
      new Mapping(GEN_AI, "gen_ai.usage.output_tokens", Field.OUTPUT_TOKENS, ""),
      new Mapping(GEN_AI_OLD, "gen_ai.usage.completion_tokens", Field.OUTPUT_TOKENS, ""),
      new Mapping(OPENINFERENCE, "llm.token_count.completion", Field.OUTPUT_TOKENS, ""),
      new Mapping(VERCEL, "ai.usage.outputTokens", Field.OUTPUT_TOKENS, ""),
      new Mapping(VERCEL, "ai.usage.completionTokens", Field.OUTPUT_TOKENS, ""),
      new Mapping(GEN_AI_OLD, "gen_ai.usage.total_tokens", Field.TOTAL_TOKENS, TOTAL_NOTE),
      new Mapping(GEN_AI_OLD, "llm.usage.total_tokens", Field.TOTAL_TOKENS, TOTAL_NOTE),
      new Mapping(OPENINFERENCE, "llm.token_count.total", Field.TOTAL_TOKENS, TOTAL_NOTE),
      new Mapping(GEN_AI, "gen_ai.usage.cache_read.input_tokens", Field.CACHED_INPUT_TOKENS, ""),
      new Mapping(GEN_AI_OLD, "gen_ai.usage.cache_read_input_tokens", Field.CACHED_INPUT_TOKENS, ""),
      new Mapping(GEN_AI_OLD, "gen_ai.usage.input_tokens.cached", Field.CACHED_INPUT_TOKENS, ""),
      new Mapping(GEN_AI_OLD, "gen_ai.usage.cached_tokens", Field.CACHED_INPUT_TOKENS, ""),
      new Mapping(OPENINFERENCE, "llm.token_count.prompt_details.cache_read", Field.CACHED_INPUT_TOKENS, ""),
      new Mapping(VERCEL, "ai.usage.cachedInputTokens", Field.CACHED_INPUT_TOKENS, ""),
      new Mapping(GEN_AI, "gen_ai.usage.cache_creation.input_tokens", Field.CACHE_WRITE_INPUT_TOKENS, CACHE_WRITE_NOTE),
      new Mapping(GEN_AI_OLD, "gen_ai.usage.cache_creation_input_tokens", Field.CACHE_WRITE_INPUT_TOKENS,
          CACHE_WRITE_NOTE),
      new Mapping(OPENINFERENCE, "llm.token_count.prompt_details.cache_write", Field.CACHE_WRITE_INPUT_TOKENS,
          CACHE_WRITE_NOTE),
      new Mapping(GEN_AI, "gen_ai.usage.reasoning_tokens", Field.REASONING_TOKENS, REASONING_NOTE),
      new Mapping(GEN_AI_OLD, "llm.usage.reasoning_tokens", Field.REASONING_TOKENS, REASONING_NOTE),
      new Mapping(OPENINFERENCE, "llm.token_count.completion_details.reasoning", Field.REASONING_TOKENS, REASONING_NOTE),
      new Mapping(VERCEL, "ai.usage.reasoningTokens", Field.REASONING_TOKENS, REASONING_NOTE),
      new Mapping(GEN_AI, "gen_ai.tool.name", Field.TOOL, ""),
      new Mapping(OPENINFERENCE, "tool.name", Field.TOOL, ""),
      new Mapping(VERCEL, "ai.toolCall.name", Field.TOOL, ""),
      new Mapping(GEN_AI, "gen_ai.conversation.id", Field.CONVERSATION_ID, ""),
      new Mapping(OPENINFERENCE, "session.id", Field.CONVERSATION_ID, ""),
      new Mapping(GEN_AI, "gen_ai.input.messages", Field.TEXT, "text, tool_call, tool_call_response and reasoning parts"),
      new Mapping(GEN_AI, "gen_ai.output.messages", Field.TEXT, "text, tool_call, tool_call_response and reasoning parts"),
      new Mapping(GEN_AI, "gen_ai.system_instructions", Field.TEXT, ""),
      new Mapping(GEN_AI, "gen_ai.tool.call.arguments", Field.TEXT, "compact JSON"),
      new Mapping(GEN_AI, "gen_ai.tool.call.result", Field.TEXT, ""),
      new Mapping(GEN_AI_OLD, "gen_ai.prompt", Field.TEXT, ""),
      new Mapping(GEN_AI_OLD, "gen_ai.completion", Field.TEXT, ""),
      new Mapping(GEN_AI_OLD, "gen_ai.prompt.N.content", Field.TEXT, ""),
      new Mapping(GEN_AI_OLD, "gen_ai.completion.N.content", Field.TEXT, ""),
      new Mapping(GEN_AI_OLD, "gen_ai.reasoning", Field.TEXT, ""),
      new Mapping(GEN_AI_OLD, "gen_ai.reasoning.content", Field.TEXT, ""),
      new Mapping(OPENINFERENCE, "llm.input_messages.N.message.content", Field.TEXT, ""),
      new Mapping(OPENINFERENCE, "llm.input_messages.N.message.contents.N.message_content.text", Field.TEXT, ""),
      new Mapping(OPENINFERENCE, "llm.output_messages.N.message.content", Field.TEXT, ""),
      new Mapping(OPENINFERENCE, "llm.output_messages.N.message.contents.N.message_content.text", Field.TEXT, ""),
      new Mapping(OPENINFERENCE, "llm.output_messages.N.message.tool_calls.N.tool_call.function.arguments",
          Field.TEXT, ""),
      new Mapping(OPENINFERENCE, "input.value", Field.TEXT, "only when the span has no llm.input_messages"),
      new Mapping(OPENINFERENCE, "output.value", Field.TEXT, "only when the span has no llm.output_messages"),
      new Mapping(VERCEL, "ai.prompt", Field.TEXT, ""),
      new Mapping(VERCEL, "ai.prompt.messages", Field.TEXT, ""),
      new Mapping(VERCEL, "ai.response.text", Field.TEXT, ""),
      new Mapping(VERCEL, "ai.response.object", Field.TEXT, ""),
      new Mapping(VERCEL, "ai.response.toolCalls", Field.TEXT, ""),
      new Mapping(VERCEL, "ai.toolCall.args", Field.TEXT, "compact JSON"),
      new Mapping(VERCEL, "ai.toolCall.result", Field.TEXT, "compact JSON"),
      new Mapping(VERCEL, "ai.response.reasoning", Field.TEXT, ""));

  /** Attribute names per non-text field, in priority order. */
  private static final Map<Field, String[]> KEYS = new EnumMap<>(Field.class);

  static {
    Map<Field, List<String>> keys = new EnumMap<>(Field.class);
    for (Mapping m : TABLE) {
      if (m.field() != Field.TEXT) {
        keys.computeIfAbsent(m.field(), f -> new ArrayList<>()).add(m.attribute());
      }
    }
    keys.forEach((f, k) -> KEYS.put(f, k.toArray(String[]::new)));
  }

  private AttributeMappings() {}

  /** The attribute names that map to {@code field}, in priority order (empty for text fields). */
  public static List<String> keys(Field field) {
    String[] k = KEYS.get(field);
    return k == null ? List.of() : List.of(k);
  }

  /** The operation a span's attribute {@code key} with the value {@code value} says the span is. */
  static String operation(String key, String value) {
    String v = value.strip();
    return switch (key) {
      case "openinference.span.kind" -> switch (v.toUpperCase(Locale.ROOT)) {
        case "LLM" -> "chat";
        case "TOOL" -> "execute_tool";
        case "AGENT" -> "invoke_agent";
        case "EMBEDDING" -> "embeddings";
        case "RETRIEVER" -> "retrieval";
        case "RERANKER" -> "rerank";
        default -> v.toLowerCase(Locale.ROOT);
      };
      case "llm.request.type" -> switch (v.toLowerCase(Locale.ROOT)) {
        case "completion" -> "text_completion";
        case "embedding" -> "embeddings";
        default -> v.toLowerCase(Locale.ROOT);
      };
      case "ai.operationId" -> {
        if (v.endsWith(".doGenerate") || v.endsWith(".doStream")) {
          yield "chat";
        } else if (v.endsWith(".doEmbed")) {
          yield "embeddings";
        } else if ("ai.toolCall".equals(v)) {
          yield "execute_tool";
        } else {
          yield v.startsWith("ai.") ? "chain" : v;
        }
      }
      default -> v;
    };
  }
}
