package io.warden.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.warden.core.WardenException;
import java.math.BigDecimal;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A request body that must be a JSON object, read field by field with the type each route expects.
 * Any mistake (no body, {@code null}, an array or a scalar instead of an object, a field of the
 * wrong type, a required field missing) is a {@code 400 invalid_input} that names the field, says
 * what it got, and shows the shape the route expects. A field that is {@code null} counts as absent.
 */
public final class JsonBody {
  private final JsonObject object;
  private final String expected;

  private JsonBody(JsonObject object, String expected) {
    this.object = object;
    this.expected = expected;
  }

  /**
   * Parses {@code body}.
   *
   * @param expected the shape the route takes, for error messages: {@code {revision}}
   */
  public static JsonBody parse(Buffer body, String expected) {
    if (body == null || body.length() == 0 || body.toString().isBlank()) {
      throw WardenException.invalid("request body required: a JSON object " + expected);
    }
    Object value;
    try {
      value = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw WardenException.invalid("request body is not valid JSON (" + firstLine(e.getMessage())
          + "); expected a JSON object " + expected);
    }
    if (!(value instanceof JsonObject object)) {
      throw WardenException.invalid("request body must be a JSON object " + expected + ", got " + kind(value));
    }
    return new JsonBody(object, expected);
  }

  /** The body as a Vert.x object (fields not read through this class are the caller's to check). */
  public JsonObject object() {
    return object;
  }

  /** A required, non-blank string. */
  public String string(String field) {
    String s = string(field, null);
    if (s == null || s.isBlank()) {
      throw WardenException.invalid("body field '" + field + "' is required (a non-empty string); expected " + expected);
    }
    return s;
  }

  /** An optional string, {@code otherwise} when absent. */
  public String string(String field, String otherwise) {
    Object v = object.getValue(field);
    if (v == null) {
      return otherwise;
    }
    if (!(v instanceof String s)) {
      throw wrongType(field, "a string", v);
    }
    return s;
  }

  /** An optional whole number, {@code otherwise} when absent. */
  public long integer(String field, long otherwise) {
    Object v = object.getValue(field);
    if (v == null) {
      return otherwise;
    }
    if (v instanceof Number n && new BigDecimal(n.toString()).stripTrailingZeros().scale() <= 0) {
      try {
        return new BigDecimal(n.toString()).longValueExact();
      } catch (ArithmeticException e) {
        throw wrongType(field, "a whole number", v);
      }
    }
    throw wrongType(field, "a whole number", v);
  }

  /** An optional decimal number (a JSON number or a numeric string), null when absent. */
  public BigDecimal decimal(String field) {
    Object v = object.getValue(field);
    if (v == null) {
      return null;
    }
    if (v instanceof Number || v instanceof String) {
      try {
        return new BigDecimal(v.toString().strip());
      } catch (NumberFormatException e) {
        throw wrongType(field, "a decimal number", v);
      }
    }
    throw wrongType(field, "a decimal number", v);
  }

  /** An optional object, empty when absent. */
  public JsonObject objectField(String field) {
    Object v = object.getValue(field);
    if (v == null) {
      return new JsonObject();
    }
    if (!(v instanceof JsonObject o)) {
      throw wrongType(field, "a JSON object", v);
    }
    return o;
  }

  /** An optional list of strings, empty when absent; order kept, duplicates dropped. */
  public Set<String> strings(String field) {
    Object v = object.getValue(field);
    Set<String> out = new LinkedHashSet<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof JsonArray array)) {
      throw wrongType(field, "a list of strings", v);
    }
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof String s)) {
        throw WardenException.invalid("body field '" + field + "[" + i + "]' must be a string, got "
            + kind(array.getValue(i)) + "; expected " + expected);
      }
      out.add(s);
    }
    return out;
  }

  private WardenException wrongType(String field, String what, Object got) {
    return WardenException.invalid("body field '" + field + "' must be " + what + ", got " + kind(got)
        + "; expected " + expected);
  }

  /** What a decoded JSON value is, for messages (never more than a short excerpt of it). */
  static String kind(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof JsonObject || v instanceof Map) {
      return "an object";
    }
    if (v instanceof JsonArray || v instanceof java.util.List) {
      return "a list";
    }
    if (v instanceof String s) {
      return "a string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
    }
    if (v instanceof Boolean b) {
      return "boolean " + b;
    }
    return "number " + v;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
