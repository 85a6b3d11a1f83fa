package io.warden.core.yaml;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.warden.core.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.reader.ReaderException;

/**
 * One YAML document read into a Jackson tree, remembering the line and column of every key and value
 * so that later checks (the JSON Schema, policies, settings) can point at the exact spot. Reading
 * never throws: what YAML itself gets wrong comes back as {@link #problems()}, and what was read
 * before a syntax error stays located. Every list item has a location of its own.
 *
 * <p>Paths are {@link FieldPath}s, or for callers that hold them as text, keys joined by {@code .}
 * and indexes as {@code [i]} ({@code spec.tools[1]}, see {@link #find(String)}).
 *
 * <p>Refused while reading, each with its location: malformed YAML (at the YAML parser's own mark),
 * a second document, duplicate keys (all of them, reading continues with the first value), aliases
 * (reading continues; the aliased value is {@linkplain #isUnreliable unreliable}), binary scalars and
 * nesting deeper than {@value #MAX_DEPTH}. The messages are worded for agent descriptors, the
 * strictest reader; other files use the tree and the locations.
 */
public final class LocatedYaml {

  /** Deepest nesting accepted; a descriptor needs 5. Bounds recursion on hostile input. */
  public static final int MAX_DEPTH = 32;

  private static final YAMLFactory YAML = YAMLFactory.builder().build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** A 1-based line and column in the file. */
  public record Position(int line, int column) {
    public static final Position START = new Position(1, 1);
    /** No location: 0:0, which {@link Problem} prints as the file alone. */
    public static final Position UNKNOWN = new Position(0, 0);
  }

  private final String file;
  private final String text;
  private final List<Problem> problems = new ArrayList<>();
  private final Map<FieldPath, Position> values = new HashMap<>();
  private final Map<FieldPath, Position> keys = new HashMap<>();
  private final Map<FieldPath, String> scalarTexts = new HashMap<>();
  private final Set<FieldPath> unreliable = new HashSet<>();
  /** {@link FieldPath#joined()} to where its key, or for a list item or the root its value, is; first wins. */
  private final Map<String, Position> joined = new HashMap<>();
  private JsonNode root;
  private boolean complete;

  private LocatedYaml(String file, String text) {
    this.file = file;
    this.text = text;
  }

  /**
   * Reads the first document of {@code text}.
   *
   * @param file the name to put in problems
   */
  public static LocatedYaml read(String file, String text) {
    LocatedYaml doc = new LocatedYaml(Objects.requireNonNull(file, "file"), Objects.requireNonNull(text, "text"));
    doc.readAll();
    return doc;
  }

  /** Reads the first document of UTF-8 {@code content} (a byte order mark or bad bytes are read as text). */
  public static LocatedYaml read(String file, byte[] content) {
    return read(file, new String(Objects.requireNonNull(content, "content"), StandardCharsets.UTF_8));
  }

  /** The document's top-level value, or null when the file holds no document or could not be read. */
  public JsonNode root() {
    return root;
  }

  /** True when the whole file was read as one document (problems may still exist, e.g. duplicate keys). */
  public boolean complete() {
    return complete;
  }

  /** True when the file holds no YAML content at all (only whitespace, comments or a bare {@code ---}). */
  public boolean empty() {
    return complete && (root == null || (root.isTextual() && root.asText().isEmpty()));
  }

  /** What went wrong while reading, in reading order. */
  public List<Problem> problems() {
    return List.copyOf(problems);
  }

  /** Where the value at {@code path} starts, or null if there is no such value. */
  public Position valueAt(FieldPath path) {
    return values.get(path);
  }

  /** Where the key that introduces {@code path} sits, or null (the root and list items have no key). */
  public Position keyAt(FieldPath path) {
    return keys.get(path);
  }

  /** The text as written of a number, boolean or null at {@code path} ({@code yes}, {@code 1e3}), or null. */
  public String scalarTextAt(FieldPath path) {
    return scalarTexts.get(path);
  }

  /** Where the key of {@code path} sits if it has one, else where its value starts. */
  public Position keyOrValueAt(FieldPath path) {
    Position key = keys.get(path);
    return key != null ? key : locate(path);
  }

  /** Where the value at {@code path} starts, or that of its nearest ancestor, or 1:1. */
  public Position locate(FieldPath path) {
    for (FieldPath p = path; ; p = p.parent()) {
      Position at = values.get(p);
      if (at != null) {
        return at;
      }
      if (p.isRoot()) {
        return Position.START;
      }
    }
  }

  /**
   * Where the field at {@code path} is written: its key for a mapping entry, the item for a list item.
   * {@code path} is written as {@link FieldPath#joined()}: keys as they are, joined by {@code .}, and
   * indexes as {@code [i]} ({@code models.gpt-4.1.input_per_mtok}, {@code spec.delegates[1]}); a key
   * that itself holds a dot may match a nested path of the same text (the first written wins).
   */
  public Optional<Position> find(String path) {
    return Optional.ofNullable(joined.get(Objects.requireNonNull(path, "path")));
  }

  /**
   * As {@link #find(String)}, or else where its nearest enclosing field is written ({@code spec.tools}
   * for a missing {@code spec.tools[7]}); empty when no part of the path exists.
   */
  public Optional<Position> findNearest(String path) {
    for (String p = path; !p.isEmpty(); p = enclosing(p)) {
      Position at = joined.get(p);
      if (at != null) {
        return Optional.of(at);
      }
    }
    return Optional.empty();
  }

  private static String enclosing(String joinedPath) {
    int cut = Math.max(joinedPath.lastIndexOf('.'), joinedPath.lastIndexOf('['));
    return cut < 0 ? "" : joinedPath.substring(0, cut);
  }

  /** True when {@code path} is at or under a value already reported as unreadable (an alias, binary). */
  public boolean isUnreliable(FieldPath path) {
    for (FieldPath bad : unreliable) {
      if (path.startsWith(bad)) {
        return true;
      }
    }
    return false;
  }

  private void readAll() {
    try (YAMLParser parser = YAML.createParser(text)) {
      if (parser.nextToken() == null) {
        complete = true;
        return;
      }
      JsonNode value = readValue(parser, FieldPath.ROOT, 0);
      Position end = position(parser.currentTokenLocation());
      if (parser.nextToken() != null) {
        problems.add(problem(secondDocument(end, position(parser.currentTokenLocation())), "",
            "a second yaml document starts here: a descriptor file holds exactly one agent,"
                + " put each agent in its own file"));
        return;
      }
      root = value;
      complete = true;
    } catch (TooDeep e) {
      problems.add(problem(e.at, e.path.dotted(),
          "nested deeper than " + MAX_DEPTH + " levels: a descriptor is at most 5 levels deep"));
    } catch (IOException | RuntimeException e) {
      problems.add(syntaxProblem(e));
    }
  }

  private JsonNode readValue(YAMLParser parser, FieldPath path, int depth) throws IOException {
    JsonToken token = parser.currentToken();
    Position at = position(parser.currentTokenLocation());
    values.put(path, at);
    if (path.isRoot() || path.segments().getLast() instanceof Integer) {
      joined.putIfAbsent(path.joined(), at);
    }
    if (parser.isCurrentAlias()) {
      unreliable.add(path);
      problems.add(problem(at, path.dotted(), "yaml aliases (*" + parser.getText()
          + ") are not supported in descriptors: write the value out in full"));
      return TextNode.valueOf(parser.getText());
    }
    if (token.isScalarValue() && token != JsonToken.VALUE_STRING) {
      scalarTexts.put(path, parser.getText());
    }
    return switch (token) {
      case START_OBJECT -> readMapping(parser, path, depth, at);
      case START_ARRAY -> readSequence(parser, path, depth, at);
      case VALUE_STRING -> TextNode.valueOf(parser.getText());
      case VALUE_TRUE -> BooleanNode.TRUE;
      case VALUE_FALSE -> BooleanNode.FALSE;
      case VALUE_NULL -> NullNode.instance;
      case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
        case INT -> IntNode.valueOf(parser.getIntValue());
        case LONG -> LongNode.valueOf(parser.getLongValue());
        default -> BigIntegerNode.valueOf(parser.getBigIntegerValue());
      };
      // Exact decimals: 0.1 stays 0.1 all the way to the BigDecimal fields of the descriptor.
      case VALUE_NUMBER_FLOAT -> DecimalNode.valueOf(parser.getDecimalValue());
      default -> {
        unreliable.add(path);
        problems.add(problem(at, path.dotted(),
            "binary and other non-text yaml values are not supported: write a plain string"));
        yield NullNode.instance;
      }
    };
  }

  private ObjectNode readMapping(YAMLParser parser, FieldPath path, int depth, Position at) throws IOException {
    if (depth >= MAX_DEPTH) {
      throw new TooDeep(path, at);
    }
    ObjectNode mapping = NODES.objectNode();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      Position keyAt = position(parser.currentTokenLocation());
      FieldPath child = path.child(key);
      parser.nextToken();
      if (mapping.has(key)) {
        Position first = keys.get(child);
        problems.add(problem(keyAt, child.dotted(), "duplicate key '" + key + "' (first at " + first.line() + ":"
            + first.column() + "): each key may appear once, remove one of them"));
        parser.skipChildren();
      } else {
        keys.put(child, keyAt);
        joined.putIfAbsent(child.joined(), keyAt);
        mapping.set(key, readValue(parser, child, depth + 1));
      }
    }
    return mapping;
  }

  private ArrayNode readSequence(YAMLParser parser, FieldPath path, int depth, Position at) throws IOException {
    if (depth >= MAX_DEPTH) {
      throw new TooDeep(path, at);
    }
    ArrayNode sequence = NODES.arrayNode();
    int index = 0;
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      sequence.add(readValue(parser, path.child(index++), depth + 1));
    }
    return sequence;
  }

  /** Points at the {@code ---} that opens the second document when there is one, else at its content. */
  private Position secondDocument(Position firstEnd, Position secondContent) {
    String[] lines = text.split("\r\n|\r|\n", -1);
    for (int line = firstEnd.line(); line <= secondContent.line() && line <= lines.length; line++) {
      String l = lines[line - 1];
      if (l.startsWith("---") && (l.length() == 3 || Character.isWhitespace(l.charAt(3)))) {
        return new Position(line, 1);
      }
    }
    return secondContent;
  }

  private Problem syntaxProblem(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
        Mark mark = marked.getProblemMark();
        return problem(new Position(mark.getLine() + 1, mark.getColumn() + 1), "",
            "malformed yaml: " + describe(marked));
      }
      if (t instanceof ReaderException reader) {
        return problem(positionOfCodePoint(reader.getPosition()), "", String.format(
            "malformed yaml: character U+%04X is not allowed in yaml: remove it", reader.getCodePoint()));
      }
    }
    if (e instanceof JsonProcessingException json) {
      JsonLocation loc = json.getLocation();
      String message = json.getOriginalMessage();
      if (message != null && message.startsWith("Expected a field name")) {
        message = "keys must be plain values (complex keys such as lists or mappings are not supported)";
      }
      return problem(loc == null ? Position.START : position(loc), "",
          "malformed yaml: " + lowerFirst(stripPeriod(String.valueOf(message))));
    }
    return problem(Position.START, "", "could not read the yaml: " + e.getClass().getSimpleName()
        + (e.getMessage() == null ? "" : ": " + lowerFirst(e.getMessage())));
  }

  private static String describe(MarkedYAMLException e) {
    String problem = stripPeriod(String.valueOf(e.getProblem()));
    if (problem.contains("(TAB)")) {
      return "a tab character cannot indent yaml: indent with spaces";
    }
    StringBuilder sb = new StringBuilder(lowerFirst(problem));
    if (problem.startsWith("mapping values are not allowed here")) {
      sb.append(" (quote a value that contains ': ', or check the indentation)");
    }
    if (e.getContext() != null) {
      sb.append(" (").append(lowerFirst(stripPeriod(e.getContext())));
      Mark context = e.getContextMark();
      if (context != null) {
        sb.append(" started at ").append(context.getLine() + 1).append(':').append(context.getColumn() + 1);
      }
      sb.append(')');
    }
    return sb.toString();
  }

  private Position positionOfCodePoint(int codePointIndex) {
    int line = 1;
    int column = 1;
    int seen = 0;
    for (int i = 0; i < text.length() && seen < codePointIndex; i += Character.charCount(text.codePointAt(i))) {
      if (text.charAt(i) == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
      seen++;
    }
    return new Position(line, column);
  }

  private Problem problem(Position at, String field, String message) {
    return new Problem(file, at.line(), at.column(), field, message);
  }

  private static Position position(JsonLocation location) {
    return new Position(Math.max(1, location.getLineNr()), Math.max(1, location.getColumnNr()));
  }

  private static String stripPeriod(String s) {
    String t = s.strip();
    return t.endsWith(".") ? t.substring(0, t.length() - 1) : t;
  }

  private static String lowerFirst(String s) {
    return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
  }

  /** Unwinds the reader when input nests deeper than {@link #MAX_DEPTH}. */
  private static final class TooDeep extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient FieldPath path;
    private final transient Position at;

    TooDeep(FieldPath path, Position at) {
      super(null, null, false, false);
      this.path = path;
      this.at = at;
    }
  }
}
