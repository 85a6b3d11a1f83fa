package io.warden.tracestore.internal.ingest;

import io.warden.tracestore.internal.otlp.Otlp;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

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

  static final String TOOL_CALL_ARGUMENTS = "gen_ai.tool.call.arguments";

  /** Tool-call arguments and results kept as compact JSON, keys included. */
  static final Set<String> COMPACT_JSON = Set.of(TOOL_CALL_ARGUMENTS, "ai.toolCall.args", "ai.toolCall.result");

  /** Attributes whose values are text to search. */
  static final Set<String> TEXT_ATTRIBUTES = Set.of(
      "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions",
      "gen_ai.prompt", "gen_ai.completion", "gen_ai.tool.call.arguments", "gen_ai.tool.call.result",
      "gen_ai.reasoning", "gen_ai.reasoning.content", "gen_ai.event.content", "warden.text",
      // OpenInference: the request and response as a whole (used when there are no messages).
      "input.value", "output.value",
      // Vercel AI SDK.
      "ai.prompt", "ai.prompt.messages", "ai.response.text", "ai.response.object", "ai.response.toolCalls",
      "ai.toolCall.args", "ai.toolCall.result", "ai.response.reasoning");

  /** OpenInference's whole request or response, searched only when the span has no messages. */
  static final String INPUT_VALUE = "input.value";
  static final String OUTPUT_VALUE = "output.value";
  static final String OI_INPUT_MESSAGES = "llm.input_messages.";
  static final String OI_OUTPUT_MESSAGES = "llm.output_messages.";

  /** Keys inside structured messages that describe structure, not content. */
  public static final Set<String> STRUCTURAL_KEYS = Set.of(
      "role", "type", "finish_reason", "id", "mime_type", "index", "gen_ai.system", "gen_ai.provider.name",
      "event.name");

  private static final ObjectMapper JSON = new ObjectMapper();

  private TextExtractor() {}

  /** True when the attribute holds text (and so is left out of the attribute map). */
  public static boolean isTextAttribute(String key) {
    return TEXT_ATTRIBUTES.contains(key)
        || ((key.startsWith("gen_ai.prompt.") || key.startsWith("gen_ai.completion."))
            && (key.endsWith(".content") || key.endsWith(".arguments")))
        || ((key.startsWith(OI_INPUT_MESSAGES) || key.startsWith(OI_OUTPUT_MESSAGES))
            && (key.endsWith(".message.content") || key.endsWith(".message_content.text")
                || key.endsWith(".function.arguments")));
  }

  /** Attributes whose whole value is reasoning. */
  static final Set<String> REASONING_ATTRIBUTES = Set.of(
      "gen_ai.reasoning", "gen_ai.reasoning.content", "ai.response.reasoning");

  /**
   * The attribute that records where in a span's text its reasoning is: {@code start-end} character
   * ranges, comma-separated, so the search index can keep reasoning in a field of its own while the
   * text stays whole.
   */
  public static final String REASONING_RANGES = "warden.text.reasoning";

  /** Appends the text of the attribute {@code key} if it is a text attribute. */
  public static void fromAttribute(String key, AnyValue value, StringBuilder out) {
    fromAttribute(key, value, out, null);
  }

  /**
   * Appends the text of the attribute {@code key} if it is a text attribute, and the ranges of
   * {@code out} that are reasoning (message parts of type {@code reasoning} or {@code thinking}, and
   * the reasoning attributes) to {@code reasoning} when it is not null.
   */
  public static void fromAttribute(String key, AnyValue value, StringBuilder out, @Nullable StringBuilder reasoning) {
    if (!isTextAttribute(key)) {
      return;
    }
    int before = out.length();
    if (value.getValueCase() == AnyValue.ValueCase.STRING_VALUE) {
      if (COMPACT_JSON.contains(key) && compactObject(value.getStringValue(), out)) {
        return;
      }
      fromMaybeJson(value.getStringValue(), out, REASONING_ATTRIBUTES.contains(key) ? null : reasoning);
    } else {
      Otlp.strings(value, out);
    }
    if (reasoning != null && REASONING_ATTRIBUTES.contains(key)) {
      range(reasoning, before, out.length());
    }
  }

  private static void range(StringBuilder ranges, int start, int end) {
    if (end > start) {
      if (!ranges.isEmpty()) {
        ranges.append(',');
      }
      ranges.append(start).append('-').append(end);
    }
  }

  /**
   * Tool-call arguments as compact JSON, keys included ({@code {"account":"ACME-991"}}), as inside
   * messages: a responder searches for the argument's name as much as for its value. False (nothing
   * appended) when the value is not a JSON object.
   */
  private static boolean compactObject(String s, StringBuilder out) {
    String t = s.strip();
    if (!t.startsWith("{") || !t.endsWith("}")) {
      return false;
    }
    try {
      Otlp.appendLine(out, JSON.readTree(t).toString());
      return true;
    } catch (IOException e) {
      return false;
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
    fromMaybeJson(s, out, null);
  }

  private static void fromMaybeJson(String s, StringBuilder out, @Nullable StringBuilder reasoning) {
    String t = s.strip();
    if ((t.startsWith("[") && t.endsWith("]")) || (t.startsWith("{") && t.endsWith("}"))) {
      int before = out.length();
      int rangesBefore = reasoning == null ? 0 : reasoning.length();
      // Streaming, not a tree: this runs for every prompt and completion on the ingest path.
      try (JsonParser p = JSON.getFactory().createParser(t)) {
        p.nextToken();
        leaves(p, out, reasoning);
        return;
      } catch (Exception e) {
        out.setLength(before); // Not JSON after all: index the raw text alone.
        if (reasoning != null) {
          reasoning.setLength(rangesBefore);
        }
      }
    }
    Otlp.appendLine(out, s);
  }

  /** Appends the text leaves of the value at the parser's current token, leaving it on its last token. */
  private static void leaves(JsonParser p, StringBuilder out, @Nullable StringBuilder reasoning) throws IOException {
    JsonToken token = p.currentToken();
    if (token == JsonToken.VALUE_STRING) {
      appendLine(out, p);
    } else if (token == JsonToken.START_ARRAY) {
      while (p.nextToken() != JsonToken.END_ARRAY) {
        leaves(p, out, reasoning);
      }
    } else if (token == JsonToken.START_OBJECT) {
      int start = out.length();
      boolean isReasoning = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        JsonToken value = p.nextToken();
        if ("type".equals(key) && value == JsonToken.VALUE_STRING) {
          String type = p.getText();
          isReasoning = "reasoning".equals(type) || "thinking".equals(type);
        } else if (STRUCTURAL_KEYS.contains(key)) {
          p.skipChildren();
        } else if (value == JsonToken.START_OBJECT
            && ("arguments".equals(key) || "result".equals(key) || "response".equals(key))) {
          // Tool-call arguments: keep the compact JSON, which is what a responder searches for.
          Otlp.appendLine(out, JSON.readTree(p).toString());
        } else {
          leaves(p, out, isReasoning ? null : reasoning);
        }
      }
      if (isReasoning && reasoning != null) {
        range(reasoning, start, out.length());
      }
    }
    if (token == null) {
      throw new IOException("empty JSON");
    }
  }

  /**
   * {@link Otlp#appendLine} of the string at the parser's current token, from the parser's buffer:
   * no String per leaf (this runs for every message part of every prompt and completion).
   */
  private static void appendLine(StringBuilder out, JsonParser p) throws IOException {
    char[] chars = p.getTextCharacters();
    int start = p.getTextOffset();
    int end = start + p.getTextLength();
    int first = start;
    while (first < end && Character.isWhitespace(chars[first])) {
      first++;
    }
    if (first == end) {
      return; // blank, as String.isBlank sees it
    }
    if (!out.isEmpty()) {
      out.append('\n');
    }
    out.append(chars, start, end - start);
  }

  static String cap(StringBuilder text) {
    return text.length() <= MAX_TEXT_CHARS ? text.toString() : text.substring(0, MAX_TEXT_CHARS) + "…";
  }
}
