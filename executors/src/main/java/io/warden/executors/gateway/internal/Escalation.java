package io.warden.executors.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.List;

/**
 * The {@code spec.routing.escalate_on} signals the gateway can detect, and their detection. A
 * small model's answer showing a listed signal is not delivered; the pinned model answers instead.
 *
 * <p>Internal: not public API.
 */
public final class Escalation {
  /** The model declined ({@code refusal} field or content part, {@code stop_reason: refusal}, content filter). */
  public static final String REFUSAL = "refusal";
  /** No text and no tool call in the answer. */
  public static final String EMPTY = "empty";
  /** The answer was cut at the token limit ({@code length}, {@code max_tokens}, {@code incomplete}). */
  public static final String LENGTH = "length";
  /** The answer asks for a tool call. */
  public static final String TOOL_CALL = "tool_call";
  /** The request carries a failed tool result (Anthropic {@code tool_result} with {@code is_error}); checked before the small model is asked. */
  public static final String TOOL_ERROR = "tool_error";
  /** Every signal the gateway detects; other names in {@code escalate_on} are ignored. */
  public static final List<String> DETECTED = List.of(REFUSAL, EMPTY, LENGTH, TOOL_CALL, TOOL_ERROR);

  private Escalation() {}

  /** The first of {@code listed} that the whole answer {@code n} in {@code format} shows, or "". */
  static String inAnswer(WireFormat format, JsonNode n, Collection<String> listed) {
    boolean refusal = false;
    boolean length = false;
    boolean toolCall = false;
    boolean text = false;
    switch (format) {
      case OPENAI -> {
        for (JsonNode choice : n.path("choices")) {
          JsonNode msg = choice.path("message");
          String finish = choice.path("finish_reason").asText("");
          refusal |= msg.path("refusal").isTextual() && !msg.path("refusal").asText().isEmpty()
              || finish.equals("content_filter");
          length |= finish.equals("length");
          toolCall |= finish.equals("tool_calls") || finish.equals("function_call")
              || msg.path("tool_calls").size() > 0 || msg.path("function_call").isObject();
          text |= msg.path("content").isTextual() && !msg.path("content").asText().isBlank();
        }
      }
      case OPENAI_RESPONSES -> {
        length = n.path("status").asText("").equals("incomplete");
        for (JsonNode item : n.path("output")) {
          String type = item.path("type").asText("");
          toolCall |= type.endsWith("_call");
          for (JsonNode part : item.path("content")) {
            refusal |= part.path("type").asText("").equals("refusal");
            text |= part.path("type").asText("").equals("output_text") && !part.path("text").asText("").isBlank();
          }
        }
      }
      case ANTHROPIC -> {
        String stop = n.path("stop_reason").asText("");
        refusal = stop.equals("refusal");
        length = stop.equals("max_tokens") || stop.equals("model_context_window_exceeded");
        for (JsonNode block : n.path("content")) {
          String type = block.path("type").asText("");
          toolCall |= type.equals("tool_use") || type.equals("server_tool_use");
          text |= type.equals("text") && !block.path("text").asText("").isBlank();
        }
        toolCall |= stop.equals("tool_use");
      }
    }
    for (String signal : listed) {
      boolean shown = switch (signal) {
        case REFUSAL -> refusal;
        case LENGTH -> length;
        case TOOL_CALL -> toolCall;
        case EMPTY -> !text && !toolCall;
        default -> false;
      };
      if (shown) {
        return signal;
      }
    }
    return "";
  }

  /** Whether the request's last message carries a failed tool result (only Anthropic marks them). */
  static boolean toolErrorInRequest(WireFormat format, JsonNode body) {
    if (format != WireFormat.ANTHROPIC || body.path("messages").isEmpty()) {
      return false;
    }
    JsonNode last = body.path("messages").get(body.path("messages").size() - 1);
    for (JsonNode block : last.path("content")) {
      if (block.path("type").asText("").equals("tool_result") && block.path("is_error").asBoolean(false)) {
        return true;
      }
    }
    return false;
  }
}
