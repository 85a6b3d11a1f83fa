package io.warden.tracestore.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pulls the searchable text out of GenAI telemetry: prompts, completions, system instructions,
 * reasoning, tool-call arguments and results, wherever the instrumentation put them — span
 * attributes ({@code gen_ai.input.messages} as structured JSON, the older {@code gen_ai.prompt} /
 * {@code gen_ai.completion} and their indexed {@code gen_ai.prompt.0.content} form), span events
 * ({@code gen_ai.user.message}, {@code gen_ai.choice}, ...) and log record bodies. Structured
 * messages are reduced to their text leaves so that highlights read like prose, not JSON.
 *
 * <p>Internal: not public API.
 */
public final class TextExtractor {
  /** Largest searchable text kept per span, in characters; longer text is cut. */
  public static final int MAX_TEXT_CHARS = 256 * 1024;

  /** Attributes whose values are text to search. */
  static final Set<String> TEXT_ATTRIBUTES = Set.of(
      "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions",
      "gen_ai.prompt", "gen_ai.completion", "gen_ai.tool.call.arguments", "gen_ai.tool.call.result",
      "gen_ai.reasoning", "gen_ai.reasoning.content", "gen_ai.event.content", "warden.text");

  /** Keys inside structured messages that describe structure, not content. */
  static final Set<String> STRUCTURAL_KEYS = Set.of(
      "role", "type", "finish_reason", "id", "mime_type", "index", "gen_ai.system", "gen_ai.provider.name",
      "event.name");

  private static final ObjectMapper JSON = new ObjectMapper();

  private TextExtractor() {}

  /** True when the attribute holds text (and so is left out of the attribute map). */
  public static boolean isTextAttribute(String key) {
    return TEXT_ATTRIBUTES.contains(key)
        || ((key.startsWith("gen_ai.prompt.") || key.startsWith("gen_ai.completion."))
            && (key.endsWith(".content") || key.endsWith(".arguments")));
  }

  /** Appends the text of the attribute {@code key} if it is a text attribute. */
  public static void fromAttribute(String key, AnyValue value, StringBuilder out) {
    if (!isTextAttribute(key)) {
      return;
    }
    if (value.getValueCase() == AnyValue.ValueCase.STRING_VALUE) {
      fromMaybeJson(value.getStringValue(), out);
    } else {
      Otlp.strings(value, out);
    }
  }

  /** Keys of event and log-record attributes that hold message text. */
  static final Set<String> EVENT_TEXT_KEYS = Set.of(
      "content", "message", "text", "arguments", "result", "tool_calls", "reasoning", "body");

  /**
   * Text of a span event or log record named {@code gen_ai.*}: its text attributes and every string
   * leaf of its body.
   */
  public static void fromEvent(List<KeyValue> attributes, AnyValue body, StringBuilder out) {
    for (KeyValue kv : attributes) {
      String k = kv.getKey();
      if (!isTextAttribute(k) && !EVENT_TEXT_KEYS.contains(k)) {
        continue;
      }
      AnyValue v = kv.getValue();
      if (v.getValueCase() == AnyValue.ValueCase.STRING_VALUE) {
        fromMaybeJson(v.getStringValue(), out);
      } else {
        Otlp.strings(v, out);
      }
    }
    if (body != null) {
      if (body.getValueCase() == AnyValue.ValueCase.STRING_VALUE) {
        fromMaybeJson(body.getStringValue(), out);
      } else {
        Otlp.strings(body, out);
      }
    }
  }

  /** JSON messages become their text leaves; anything else is taken as it is. */
  static void fromMaybeJson(String s, StringBuilder out) {
    String t = s.strip();
    if ((t.startsWith("[") && t.endsWith("]")) || (t.startsWith("{") && t.endsWith("}"))) {
      try {
        leaves(JSON.readTree(t), out);
        return;
      } catch (Exception e) {
        // Not JSON after all: index the raw text.
      }
    }
    Otlp.appendLine(out, s);
  }

  private static void leaves(JsonNode n, StringBuilder out) {
    if (n.isTextual()) {
      Otlp.appendLine(out, n.asText());
    } else if (n.isArray()) {
      n.forEach(e -> leaves(e, out));
    } else if (n.isObject()) {
      for (Map.Entry<String, JsonNode> e : n.properties()) {
        if (STRUCTURAL_KEYS.contains(e.getKey())) {
          continue;
        }
        JsonNode v = e.getValue();
        if (v.isObject() && ("arguments".equals(e.getKey()) || "result".equals(e.getKey())
            || "response".equals(e.getKey()))) {
          // Tool-call arguments: keep the compact JSON, which is what a responder searches for.
          Otlp.appendLine(out, v.toString());
        } else {
          leaves(v, out);
        }
      }
    }
  }

  static String cap(StringBuilder text) {
    return text.length() <= MAX_TEXT_CHARS ? text.toString() : text.substring(0, MAX_TEXT_CHARS) + "…";
  }
}
