package io.warden.gitops.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Where each key and list item of a YAML document starts, by dotted path: {@code metadata.name} is the
 * key {@code name} under {@code metadata}; {@code spec.delegates[1]} is the second list item. Built
 * from the YAML token stream, so it understands flow style ({@code [a, b]}) as well as block style.
 * A document that does not parse yields the locations read before the error.
 *
 * <p>Internal: unstable API, not for use outside this module.
 */
public final class YamlLocations {

  private static final YAMLFactory YAML = new YAMLFactory();

  private final Map<String, Position> positions;

  private YamlLocations(Map<String, Position> positions) {
    this.positions = positions;
  }

  /** A 1-based line and column. */
  public record Position(int line, int column) {
    public static final Position UNKNOWN = new Position(0, 0);
  }

  public static YamlLocations of(byte[] yaml) {
    Map<String, Position> out = new HashMap<>();
    // Each frame is the path of a container plus, for arrays, the index of the next item.
    Deque<Frame> stack = new ArrayDeque<>();
    String pendingKey = null;
    try (JsonParser parser = YAML.createParser(yaml)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        Frame top = stack.peek();
        if (token == JsonToken.FIELD_NAME) {
          pendingKey = join(top == null ? "" : top.path, parser.currentName());
          out.putIfAbsent(pendingKey, position(parser.currentTokenLocation()));
          continue;
        }
        if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
          stack.pop();
          continue;
        }
        String valuePath;
        if (top != null && top.array) {
          valuePath = top.path + "[" + top.nextIndex++ + "]";
          out.putIfAbsent(valuePath, position(parser.currentTokenLocation()));
        } else {
          valuePath = pendingKey == null ? "" : pendingKey;
        }
        if (token == JsonToken.START_OBJECT) {
          stack.push(new Frame(valuePath, false));
        } else if (token == JsonToken.START_ARRAY) {
          stack.push(new Frame(valuePath, true));
        }
        pendingKey = null;
      }
    } catch (IOException | RuntimeException malformed) {
      // Keep what was located before the syntax error; the schema check reports the error itself.
    }
    return new YamlLocations(out);
  }

  /** Where {@code path} starts, or {@link Position#UNKNOWN}. */
  public Position find(String path) {
    return positions.getOrDefault(path, Position.UNKNOWN);
  }

  private static Position position(JsonLocation location) {
    int line = Math.max(0, location.getLineNr());
    int column = Math.max(0, location.getColumnNr());
    return new Position(line, line == 0 ? 0 : column);
  }

  private static String join(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  private static final class Frame {
    final String path;
    final boolean array;
    int nextIndex;

    Frame(String path, boolean array) {
      this.path = path;
      this.array = array;
    }
  }
}
