package io.warden.executors.mcp.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Line and column of every key and value of one YAML document, by path ({@code tools[0].name}), so
 * problems in {@code mcp/*.yaml} and descriptors point at the spot. Reading never throws: a document
 * that does not parse simply has fewer positions (its syntax error is reported by whoever reads the
 * tree). Core's located-YAML reader is internal to core; this is the small part the MCP checks need.
 *
 * <p>Internal: not public API.
 */
public final class YamlPositions {
  private static final YAMLFactory YAML = YAMLFactory.builder().build();
  private static final int MAX_DEPTH = 32;

  /** A 1-based line and column. */
  public record Position(int line, int column) {}

  private final Map<String, Position> keys = new HashMap<>();
  private final Map<String, Position> values = new HashMap<>();

  private YamlPositions() {}

  public static YamlPositions read(String text) {
    YamlPositions out = new YamlPositions();
    try (JsonParser p = YAML.createParser(text)) {
      if (p.nextToken() != null) {
        out.value(p, "", 0);
      }
    } catch (IOException | RuntimeException e) {
      // keep what was located before the error
    }
    return out;
  }

  private void value(JsonParser p, String path, int depth) throws IOException {
    values.put(path, position(p.currentTokenLocation()));
    if (depth > MAX_DEPTH) {
      p.skipChildren();
      return;
    }
    if (p.currentToken() == JsonToken.START_OBJECT) {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String child = path.isEmpty() ? p.currentName() : path + "." + p.currentName();
        keys.put(child, position(p.currentTokenLocation()));
        p.nextToken();
        value(p, child, depth + 1);
      }
    } else if (p.currentToken() == JsonToken.START_ARRAY) {
      int i = 0;
      while (p.nextToken() != JsonToken.END_ARRAY && p.currentToken() != null) {
        value(p, path + "[" + i++ + "]", depth + 1);
      }
    }
  }

  private static Position position(JsonLocation l) {
    return new Position(Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
  }

  /** Where the key of {@code path} sits, else its value, else its nearest located ancestor, else 1:1. */
  public Position at(String path) {
    for (String p = path; ; p = parent(p)) {
      Position at = keys.containsKey(p) ? keys.get(p) : values.get(p);
      if (at != null) {
        return at;
      }
      if (p.isEmpty()) {
        return new Position(1, 1);
      }
    }
  }

  private static String parent(String path) {
    int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    return cut <= 0 ? "" : path.substring(0, cut);
  }
}
