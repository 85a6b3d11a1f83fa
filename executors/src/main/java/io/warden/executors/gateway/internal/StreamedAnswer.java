package io.warden.executors.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;

/**
 * A streamed answer put back together as the whole answer of the same API, from its events in
 * order — text, refusal, tool calls with their argument fragments joined, and how it ended — so a
 * stream can be compared with a shadow candidate's whole answer ({@link ShadowComparison}).
 *
 * <p>Internal: not public API. Not thread-safe: fed from one call's event loop.
 */
final class StreamedAnswer {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final WireFormat format;
  private final StringBuilder text = new StringBuilder();
  private final StringBuilder refusal = new StringBuilder();
  /** Tool calls (OpenAI chat) or content blocks (Anthropic) by index: name and joined arguments. */
  private final Map<Integer, Part> parts = new TreeMap<>();
  private String end = "";
  private JsonNode responsesWhole;

  private static final class Part {
    String type = "";
    String id = "";
    String name = "";
    final StringBuilder text = new StringBuilder();
  }

  StreamedAnswer(WireFormat format) {
    this.format = format;
  }

  /** One data event of the stream, parsed. */
  void accept(JsonNode e) {
    switch (format) {
      case OPENAI -> {
        JsonNode choice = e.path("choices").path(0);
        JsonNode delta = choice.path("delta");
        text.append(delta.path("content").asText(""));
        refusal.append(delta.path("refusal").asText(""));
        for (JsonNode call : delta.path("tool_calls")) {
          Part p = parts.computeIfAbsent(call.path("index").asInt(0), i -> new Part());
          if (call.hasNonNull("id")) {
            p.id = call.path("id").asText();
          }
          p.name += call.path("function").path("name").asText("");
          p.text.append(call.path("function").path("arguments").asText(""));
        }
        if (choice.hasNonNull("finish_reason")) {
          end = choice.path("finish_reason").asText();
        }
      }
      case OPENAI_RESPONSES -> {
        String type = e.path("type").asText("");
        if (type.equals("response.completed") || type.equals("response.incomplete")) {
          responsesWhole = e.path("response");
        }
      }
      case ANTHROPIC -> {
        switch (e.path("type").asText("")) {
          case "content_block_start" -> {
            Part p = parts.computeIfAbsent(e.path("index").asInt(0), i -> new Part());
            JsonNode block = e.path("content_block");
            p.type = block.path("type").asText("");
            p.id = block.path("id").asText("");
            p.name = block.path("name").asText("");
            p.text.append(block.path("text").asText(""));
          }
          case "content_block_delta" -> {
            Part p = parts.computeIfAbsent(e.path("index").asInt(0), i -> new Part());
            JsonNode d = e.path("delta");
            p.text.append(d.path("text").asText("")).append(d.path("partial_json").asText(""));
          }
          case "message_delta" -> {
            if (e.path("delta").hasNonNull("stop_reason")) {
              end = e.path("delta").path("stop_reason").asText();
            }
          }
          default -> { }
        }
      }
    }
  }

  /** The whole answer as the API would have returned it without streaming (the fields compared). */
  JsonNode whole() {
    return switch (format) {
      case OPENAI -> {
        ObjectNode out = JSON.createObjectNode();
        ObjectNode choice = out.putArray("choices").addObject();
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", text.toString());
        if (!refusal.isEmpty()) {
          message.put("refusal", refusal.toString());
        }
        if (!parts.isEmpty()) {
          ArrayNode calls = message.putArray("tool_calls");
          parts.values().forEach(p -> {
            ObjectNode c = calls.addObject().put("id", p.id).put("type", "function");
            c.putObject("function").put("name", p.name).put("arguments", p.text.toString());
          });
        }
        choice.put("finish_reason", end);
        yield out;
      }
      case OPENAI_RESPONSES -> responsesWhole == null ? JSON.createObjectNode() : responsesWhole;
      case ANTHROPIC -> {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode content = out.putArray("content");
        parts.values().forEach(p -> {
          ObjectNode b = content.addObject().put("type", p.type);
          if (p.type.equals("tool_use")) {
            b.put("id", p.id).put("name", p.name);
            try {
              b.set("input", p.text.isEmpty() ? JSON.createObjectNode() : JSON.readTree(p.text.toString()));
            } catch (java.io.IOException e) {
              b.put("input", p.text.toString()); // compared as text: the fragments did not join into JSON
            }
          } else if (p.type.equals("text")) {
            b.put("text", p.text.toString());
          }
        });
        out.put("stop_reason", end);
        yield out;
      }
    };
  }
}
