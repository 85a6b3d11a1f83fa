package io.warden.executors.mcp.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks a {@code tools/call}'s arguments against the {@code inputSchema} the upstream server
 * declares for the tool, so a malformed call is refused before it costs anything or reaches a human
 * or the upstream. Schemas without {@code $schema} are read as JSON Schema 2020-12 (the MCP default).
 *
 * <p>Compiled schemas are cached by their text: an upstream that changes a tool's schema gets a new
 * entry, and {@link #clear()} drops them all when the declarations change.
 *
 * <p>Internal: not public API.
 */
final class ToolInputSchemas {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
  private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
      .pathType(PathType.JSON_POINTER)
      .locale(Locale.ENGLISH)
      .build();
  private static final int MAX_SHOWN = 5;

  private final Map<String, JsonSchema> compiled = new ConcurrentHashMap<>();

  /**
   * The problems of {@code arguments} against the tool's input schema, each as
   * "{@code <json pointer>: <what was expected>}", sorted, at most " + MAX_SHOWN; empty when they conform.
   */
  List<String> problems(McpSchema.Tool tool, JsonNode arguments) {
    JsonNode schemaTree = JSON.valueToTree(tool.inputSchema());
    JsonSchema schema = compiled.computeIfAbsent(schemaTree.toString(), k -> {
      JsonSchema s = FACTORY.getSchema(schemaTree, CONFIG);
      s.initializeValidators();
      return s;
    });
    List<String> out = new ArrayList<>();
    for (ValidationMessage m : schema.validate(arguments)) {
      out.add(describe(m));
    }
    out.sort(null);
    return out.size() <= MAX_SHOWN ? out : out.subList(0, MAX_SHOWN);
  }

  void clear() {
    compiled.clear();
  }

  /** Names the field itself: for a missing or unexpected property, the pointer ends with its name. */
  private static String describe(ValidationMessage m) {
    String pointer = m.getInstanceLocation().toString();
    String property = m.getProperty();
    String type = m.getType();
    if (property != null && ("required".equals(type) || "additionalProperties".equals(type)
        || "unevaluatedProperties".equals(type) || "dependentRequired".equals(type))) {
      pointer = (pointer.equals("/") ? "" : pointer) + "/" + property.replace("~", "~0").replace("/", "~1");
    }
    if (pointer.isEmpty()) {
      pointer = "/";
    }
    String why = switch (type == null ? "" : type) {
      case "required", "dependentRequired" -> "required, but missing";
      case "additionalProperties", "unevaluatedProperties" -> "not allowed: the tool's input schema accepts no such"
          + " property";
      default -> m.getError();
    };
    return pointer + ": " + why;
  }
}
