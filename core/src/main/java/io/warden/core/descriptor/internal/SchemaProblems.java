package io.warden.core.descriptor.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.ValidationMessage;
import io.warden.core.Problem;
import io.warden.core.descriptor.Names;
import io.warden.core.yaml.FieldPath;
import io.warden.core.yaml.LocatedYaml;
import io.warden.core.yaml.LocatedYaml.Position;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns JSON-Schema validation messages into {@link Problem}s a person can act on: the location of
 * the offending node in the YAML file, the dotted field, and a lowercase message in the form
 * "must be &lt;what the schema expects&gt;, got &lt;what the file has&gt;". What is expected is
 * derived from the schema itself (type, bounds, enum, const), so the schema stays the one source.
 *
 * <p>Where a problem points: a wrong value at the value; an unknown field at its key; a missing
 * required field at the key of the mapping that lacks it (the start of the file for top-level
 * fields); a repeated list item at the repetition.
 *
 * <p>Internal: not a public API, it can change at any time.
 */
public final class SchemaProblems {

  /** Schema patterns in words. A test checks every pattern of the schema has an entry. */
  static final Map<String, String> PATTERN_WORDS = Map.of(
      Names.DNS_LABEL_PATTERN,
      "a dns label (1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit)",
      Names.TOOL_REF_PATTERN,
      "a tool reference mcp://gateway/<tool> (<tool>: lowercase letters, digits, '.', '_' or '-',"
          + " starting with a letter or digit)",
      "^\\S+$", "a string without spaces",
      "^[a-z0-9][a-z0-9._-]*$",
      "a provider id (lowercase letters, digits, '.', '_' or '-', starting with a letter or digit)",
      "^[a-z][a-z0-9-]{0,62}$",
      "an executor name (1 to 63 lowercase letters, digits or '-', starting with a letter)",
      "^[A-Za-z][A-Za-z0-9+.-]*://\\S+$", "a url with a scheme and no spaces (for example http://127.0.0.1:9000)",
      "^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$",
      "a label key ([prefix/]name: a name of 1 to 63 letters, digits, '-', '_' or '.', starting and ending with"
          + " a letter or digit, after an optional dns-subdomain prefix)");

  /** Messages for {@code not} keywords, by schema location, saying why the value is refused. */
  private static final Map<String, String> NOT_WORDS = Map.of(
      "/$defs/model/properties/pinned_revision/not",
      "must be an exact revision: %s is a moving alias, and warden pins exact revisions");

  private static final int MAX_SHOWN_CHARS = 80;
  private static final BigDecimal INT_MAX = BigDecimal.valueOf(Integer.MAX_VALUE);

  private final JsonNode schema;

  /** @param schema the schema the messages came from, as a tree (to read what it expects) */
  public SchemaProblems(JsonNode schema) {
    this.schema = Objects.requireNonNull(schema, "schema");
  }

  /** One problem per message (several for a list with repeated items), without duplicates. */
  public List<Problem> toProblems(String file, LocatedYaml doc, Collection<ValidationMessage> messages) {
    Set<Problem> problems = new LinkedHashSet<>();
    for (ValidationMessage m : messages) {
      for (Located p : translate(doc, m)) {
        if (!doc.isUnreliable(p.path)) {
          problems.add(new Problem(file, p.at.line(), p.at.column(), p.path.dotted(), p.message));
        }
      }
    }
    return new ArrayList<>(problems);
  }

  private record Located(FieldPath path, Position at, String message) {}

  private List<Located> translate(LocatedYaml doc, ValidationMessage m) {
    FieldPath path = pathOf(m.getInstanceLocation());
    JsonNodePath fragment = m.getSchemaLocation().getFragment();
    JsonNode keyword = resolve(fragment);
    JsonNode owner = resolve(fragment.getParent());
    JsonNode node = m.getInstanceNode();
    String type = m.getType();
    switch (type) {
      case "required": {
        FieldPath missing = path.child(m.getProperty());
        return List.of(new Located(missing, doc.keyOrValueAt(path),
            "missing required field '" + m.getProperty() + "'"));
      }
      case "additionalProperties": {
        FieldPath unknown = path.child(m.getProperty());
        List<String> known = new ArrayList<>();
        owner.path("properties").fieldNames().forEachRemaining(known::add);
        String message = "unknown field '" + m.getProperty() + "': expected one of " + String.join(", ", known);
        String guess = closest(m.getProperty(), known);
        return List.of(new Located(unknown, doc.keyOrValueAt(unknown),
            guess == null ? message : message + "; did you mean '" + guess + "'?"));
      }
      case "propertyNames": {
        FieldPath key = path.child(m.getProperty());
        return List.of(new Located(key, doc.keyOrValueAt(key),
            "invalid key '" + m.getProperty() + "': must be " + expected(keyword, type)));
      }
      case "uniqueItems":
        return repeatedItems(doc, path, node);
      case "minLength": {
        int min = keyword.asInt();
        return List.of(at(doc, path, min <= 1 ? "must not be empty"
            : "must be at least " + min + " characters, got " + node.asText().length()));
      }
      case "maxLength":
        return List.of(at(doc, path,
            "must be at most " + keyword.asInt() + " characters, got " + node.asText().length()));
      case "not": {
        String why = NOT_WORDS.get(fragment.toString());
        if (why != null) {
          return List.of(at(doc, path, String.format(Locale.ROOT, why, shown(doc, path, node))));
        }
        return List.of(at(doc, path, "must not be " + expected(keyword, type) + ", got " + shown(doc, path, node)));
      }
      case "type", "const", "enum", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
        return List.of(at(doc, path,
            "must be " + expected(owner, type) + ", got " + shown(doc, path, node) + quoteHint(doc, path, owner, node)));
      default:
        return List.of(at(doc, path, fallback(m)));
    }
  }

  private static Located at(LocatedYaml doc, FieldPath path, String message) {
    return new Located(path, doc.locate(path), message);
  }

  /** One problem per repetition, at the repeated item, naming where it first appeared. */
  private static List<Located> repeatedItems(LocatedYaml doc, FieldPath list, JsonNode items) {
    List<Located> found = new ArrayList<>();
    Map<JsonNode, Integer> first = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      Integer earlier = first.putIfAbsent(items.get(i), i);
      if (earlier != null) {
        FieldPath item = list.child(i);
        Position firstAt = doc.locate(list.child(earlier));
        found.add(new Located(item, doc.locate(item), shown(doc, item, items.get(i))
            + " is listed twice (first at " + firstAt.line() + ":" + firstAt.column() + "): list each item once"));
      }
    }
    return found;
  }

  /**
   * What a schema expects, in words: a const or enum as its values, a string by its pattern, a number
   * with its bounds. {@code violated} picks which bound to show when one is only a technical limit.
   */
  String expected(JsonNode s, String violated) {
    s = deref(s);
    if (s.has("const")) {
      return "'" + s.get("const").asText() + "'";
    }
    if (s.has("enum")) {
      List<String> values = new ArrayList<>();
      s.get("enum").forEach(v -> values.add(v.asText()));
      return values.size() == 1 ? "'" + values.get(0) + "'" : "one of " + String.join(", ", values);
    }
    if (s.has("pattern")) {
      String pattern = s.get("pattern").asText();
      return PATTERN_WORDS.getOrDefault(pattern, "a string matching " + pattern);
    }
    return switch (s.path("type").asText("")) {
      case "string" -> "a string";
      case "integer" -> "an integer" + bounds(s, violated);
      case "number" -> "a number" + bounds(s, violated);
      case "boolean" -> "true or false";
      case "object" -> "a mapping";
      case "array" -> "a list";
      default -> "a valid value";
    };
  }

  /** " >= 0", " from 0 to 1"; the int range limit shows only when it is what was broken. */
  private static String bounds(JsonNode s, String violated) {
    JsonNode min = s.get("minimum");
    JsonNode max = s.get("maximum");
    if (max != null && max.decimalValue().compareTo(INT_MAX) == 0 && !"maximum".equals(violated)) {
      max = null;
    }
    if (min != null && max != null) {
      return " from " + min.asText() + " to " + max.asText();
    }
    if (min != null) {
      return " >= " + min.asText();
    }
    return max != null ? " <= " + max.asText() : "";
  }

  /** The value as the file has it: strings quoted, other scalars as written, containers by kind. */
  private static String shown(LocatedYaml doc, FieldPath path, JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    if (node.isTextual()) {
      String text = node.asText();
      if (text.isEmpty()) {
        return "an empty value";
      }
      if (text.length() > MAX_SHOWN_CHARS) {
        return "'" + text.substring(0, MAX_SHOWN_CHARS).replace("\n", "\\n") + "...' (" + text.length() + " characters)";
      }
      return "'" + text.replace("\n", "\\n") + "'";
    }
    if (node.isObject()) {
      return "a mapping";
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isNull()) {
      return "null";
    }
    String written = doc.scalarTextAt(path);
    return written != null ? written : node.asText();
  }

  /** "(quote it: "2026")" when a string was expected and YAML read a number or boolean instead. */
  private String quoteHint(LocatedYaml doc, FieldPath path, JsonNode owner, JsonNode node) {
    if (node == null || !(node.isNumber() || node.isBoolean())) {
      return "";
    }
    JsonNode s = deref(owner);
    if (!"string".equals(s.path("type").asText()) && !s.has("pattern")) {
      return "";
    }
    String written = doc.scalarTextAt(path);
    return " (quote it: \"" + (written != null ? written : node.asText()) + "\")";
  }

  private JsonNode deref(JsonNode s) {
    JsonNode ref = s.get("$ref");
    if (ref != null && ref.asText().startsWith("#")) {
      return schema.at(ref.asText().substring(1));
    }
    return s;
  }

  private JsonNode resolve(JsonNodePath fragment) {
    JsonNode node = schema;
    for (int i = 0; fragment != null && i < fragment.getNameCount(); i++) {
      Object e = fragment.getElement(i);
      node = e instanceof Integer index ? node.path(index) : node.path(String.valueOf(e));
    }
    return node;
  }

  static FieldPath pathOf(JsonNodePath instance) {
    List<Object> segments = new ArrayList<>(instance.getNameCount());
    for (int i = 0; i < instance.getNameCount(); i++) {
      Object e = instance.getElement(i);
      segments.add(e instanceof Integer ? e : String.valueOf(e));
    }
    return new FieldPath(segments);
  }

  private static String fallback(ValidationMessage m) {
    String text = m.getMessage();
    int colon = text.indexOf(": ");
    String message = colon >= 0 ? text.substring(colon + 2) : text;
    return message.isEmpty() ? message : Character.toLowerCase(message.charAt(0)) + message.substring(1);
  }

  /** The known name nearest to a misspelt one (a typo or two, by edit distance), or null. */
  static String closest(String name, List<String> known) {
    String best = null;
    int bestDistance = Math.min(2, Math.max(1, name.length() / 3)) + 1;
    for (String k : known) {
      int d = distance(name.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best;
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
