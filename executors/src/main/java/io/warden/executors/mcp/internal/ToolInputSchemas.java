package io.warden.executors.mcp.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.resource.SchemaLoader;
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
 * <p>A {@code $ref} is resolved only inside the schema itself: Warden never fetches a schema over the
 * network or from a file, and a schema that would need one refuses every call of its tool.
 *
 * <p>Compiled schemas are cached by their text: an upstream that changes a tool's schema gets a new
 * entry, and {@link #clear()} drops them all when the declarations change.
 *
 * <p>Internal: not public API.
 */
final class ToolInputSchemas {
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Schemas come from upstream servers: a {@code $ref} must never make Warden fetch anything (an
   * upstream could point it at an internal address, or stall every call). Only the validator's own
   * bundled meta-schemas ({@code classpath:}) load; any other IRI is refused.
   */
  private static final SchemaLoader LOCAL_ONLY = iri -> {
    if ("classpath".equals(iri.getScheme()) || "resource".equals(iri.getScheme())) {
      return null; // the bundled meta-schemas, loaded by the validator's classpath loader
    }
    throw new RefusedReference(iri.toString());
  };
  private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
      b -> b.schemaLoaders(loaders -> loaders.add(LOCAL_ONLY)));
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
    List<String> out = new ArrayList<>();
    try {
      JsonSchema schema = compiled.computeIfAbsent(schemaTree.toString(), k -> {
        JsonSchema s = FACTORY.getSchema(schemaTree, CONFIG);
        s.initializeValidators();
        return s;
      });
      for (ValidationMessage m : schema.validate(arguments)) {
        out.add(describe(m));
      }
    } catch (RuntimeException e) {
      throw new UnusableSchema(unusable(tool.name(), e), e);
    }
    out.sort(null);
    return out.size() <= MAX_SHOWN ? out : out.subList(0, MAX_SHOWN);
  }

  private static String unusable(String tool, RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof RefusedReference r) {
        return "the upstream's inputSchema of tool '" + tool + "' refers to " + r.getMessage() + " ($ref), and Warden"
            + " never fetches schemas: the upstream must inline it (in $defs)";
      }
    }
    return "the upstream's inputSchema of tool '" + tool + "' cannot be used: " + e.getMessage();
  }

  /** The tool's input schema cannot check arguments (a remote {@code $ref}, a broken schema): refuse the call. */
  static final class UnusableSchema extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnusableSchema(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static final class RefusedReference extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RefusedReference(String iri) {
      super(iri, null, false, false);
    }
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
