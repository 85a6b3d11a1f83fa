package io.warden.executors.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * How a candidate model's whole answer is compared with the primary's ({@code spec.shadow}). The
 * pair agrees when every one of these holds:
 *
 * <ol>
 *   <li><b>tool calls</b>: the same tools called in the same order with the same arguments (as
 *       JSON, key order ignored); the gateway never executes them;
 *   <li><b>structured output</b>: when the primary's text is a JSON object or array, the
 *       candidate's must be JSON too, agreeing field by field (each differing field is named by its
 *       JSON pointer);
 *   <li><b>text</b> otherwise: the same after normalising (Unicode case folded, runs of whitespace
 *       made one space, leading and trailing whitespace and a final {@code . ! ?} dropped);
 *   <li>the same kind of end: a refusal, or an answer cut at the token limit, only agrees with
 *       the same.
 * </ol>
 *
 * A candidate that fails (error status, not JSON, no answer) disagrees. Latency and cost are
 * recorded beside the verdict, not part of it.
 *
 * <p>Internal: not public API.
 */
public final class ShadowComparison {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
  private static final Pattern SPACE = Pattern.compile("\\s+");
  /** Most field differences named per pair. */
  private static final int MAX_FIELDS = 5;

  private ShadowComparison() {}

  /** What a whole answer says: its text, its tool calls ({@code name(args)}) and how it ended. */
  record Outcome(String text, List<String> toolCalls, String end) {}

  /** The differences between the two whole answers (empty: they agree). */
  public static List<String> compare(WireFormat format, JsonNode primary, JsonNode candidate) {
    Outcome p = outcome(format, primary);
    Outcome c = outcome(format, candidate);
    List<String> out = new ArrayList<>();
    if (!p.toolCalls().equals(c.toolCalls())) {
      out.add("tool calls: primary " + p.toolCalls() + ", candidate " + c.toolCalls());
    }
    if (!p.end().equals(c.end())) {
      out.add("end: primary " + p.end() + ", candidate " + c.end());
    }
    JsonNode pj = structured(p.text());
    if (pj != null) {
      JsonNode cj = structured(c.text());
      if (cj == null) {
        out.add("structured output: the primary answered JSON, the candidate did not: " + quote(c.text()));
      } else {
        List<String> fields = new ArrayList<>();
        fields("", pj, cj, fields);
        if (fields.size() > MAX_FIELDS) {
          int more = fields.size() - MAX_FIELDS;
          fields = new ArrayList<>(fields.subList(0, MAX_FIELDS));
          fields.add("and " + more + " more fields");
        }
        out.addAll(fields);
      }
    } else if (!normalise(p.text()).equals(normalise(c.text()))) {
      out.add("text: primary " + quote(p.text()) + ", candidate " + quote(c.text()));
    }
    return out;
  }

  /** Normalised text: case folded, whitespace runs made one space, trimmed, a final . ! ? dropped. */
  static String normalise(String text) {
    String s = SPACE.matcher(text.toLowerCase(Locale.ROOT)).replaceAll(" ").strip();
    while (!s.isEmpty() && ".!?".indexOf(s.charAt(s.length() - 1)) >= 0) {
      s = s.substring(0, s.length() - 1).stripTrailing();
    }
    return s;
  }

  static Outcome outcome(WireFormat format, JsonNode n) {
    StringBuilder text = new StringBuilder();
    List<String> tools = new ArrayList<>();
    String end = "answer";
    switch (format) {
      case OPENAI -> {
        JsonNode choice = n.path("choices").path(0);
        JsonNode msg = choice.path("message");
        if (msg.path("content").isTextual()) {
          text.append(msg.path("content").asText());
        }
        for (JsonNode call : msg.path("tool_calls")) {
          tools.add(call.path("function").path("name").asText() + args(call.path("function").path("arguments")));
        }
        String finish = choice.path("finish_reason").asText("");
        if (msg.path("refusal").isTextual() && !msg.path("refusal").asText().isEmpty()
            || finish.equals("content_filter")) {
          end = "refusal";
        } else if (finish.equals("length")) {
          end = "length";
        }
      }
      case OPENAI_RESPONSES -> {
        if (n.path("status").asText("").equals("incomplete")) {
          end = "length";
        }
        for (JsonNode item : n.path("output")) {
          switch (item.path("type").asText("")) {
            case "message" -> {
              for (JsonNode part : item.path("content")) {
                if (part.path("type").asText("").equals("refusal")) {
                  end = "refusal";
                } else {
                  text.append(part.path("text").asText(""));
                }
              }
            }
            case "function_call" -> tools.add(item.path("name").asText() + args(item.path("arguments")));
            default -> { }
          }
        }
      }
      case ANTHROPIC -> {
        for (JsonNode block : n.path("content")) {
          switch (block.path("type").asText("")) {
            case "text" -> text.append(block.path("text").asText(""));
            case "tool_use" -> tools.add(block.path("name").asText() + args(block.path("input")));
            default -> { }
          }
        }
        String stop = n.path("stop_reason").asText("");
        if (stop.equals("refusal")) {
          end = "refusal";
        } else if (stop.equals("max_tokens")) {
          end = "length";
        }
      }
    }
    return new Outcome(text.toString(), List.copyOf(tools), end);
  }

  /** Arguments as canonical JSON (keys sorted), whether they came as an object or a JSON string. */
  private static String args(JsonNode a) {
    JsonNode v = a;
    if (a.isTextual()) {
      try {
        v = JSON.readTree(a.asText());
      } catch (IOException e) {
        return "(" + a.asText() + ")";
      }
    }
    try {
      return "(" + JSON.writeValueAsString(JSON.treeToValue(v == null ? MissingNode.getInstance() : v, Object.class)) + ")";
    } catch (IOException e) {
      return "(" + v + ")";
    }
  }

  private static JsonNode structured(String text) {
    String s = text.strip();
    if (!(s.startsWith("{") && s.endsWith("}")) && !(s.startsWith("[") && s.endsWith("]"))) {
      return null;
    }
    try {
      return JSON.readTree(s);
    } catch (IOException e) {
      return null;
    }
  }

  private static void fields(String at, JsonNode p, JsonNode c, List<String> out) {
    if (p.isObject() && c.isObject()) {
      TreeSet<String> names = new TreeSet<>();
      p.fieldNames().forEachRemaining(names::add);
      c.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        String child = at + "/" + name.replace("~", "~0").replace("/", "~1");
        if (!p.has(name)) {
          out.add("field " + child + ": only the candidate set it");
        } else if (!c.has(name)) {
          out.add("field " + child + ": only the primary set it");
        } else {
          fields(child, p.get(name), c.get(name), out);
        }
      }
    } else if (p.isArray() && c.isArray() && p.size() == c.size()) {
      for (int i = 0; i < p.size(); i++) {
        fields(at + "/" + i, p.get(i), c.get(i), out);
      }
    } else if (p.isNumber() && c.isNumber() ? p.decimalValue().compareTo(c.decimalValue()) != 0 : !p.equals(c)) {
      out.add("field " + (at.isEmpty() ? "/" : at) + ": primary " + p + ", candidate " + c);
    }
  }

  private static String quote(String s) {
    String cut = s.length() > 120 ? s.substring(0, 120) + "…" : s;
    return "\"" + cut + "\"";
  }
}
