package io.warden.tracestore.internal.otlp;

import io.warden.tracestore.internal.ingest.TextExtractor;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Small helpers over the OTLP protobuf model: ids as lowercase hex, attribute values as strings.
 *
 * <p>Internal: not public API.
 */
public final class Otlp {
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  /** Longest attribute value kept verbatim; longer values are cut (text fields have their own cap). */
  public static final int MAX_ATTRIBUTE_CHARS = 4096;

  private Otlp() {}

  public static String hex(ByteString bytes) {
    char[] out = new char[bytes.size() * 2];
    for (int i = 0; i < bytes.size(); i++) {
      int b = bytes.byteAt(i) & 0xFF;
      out[2 * i] = HEX[b >>> 4];
      out[2 * i + 1] = HEX[b & 0xF];
    }
    return new String(out);
  }

  /** True for an id of exactly {@code length} bytes that are not all zero (the spec's "valid"). */
  public static boolean validId(ByteString id, int length) {
    if (id.size() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (id.byteAt(i) != 0) {
        return true;
      }
    }
    return false;
  }

  public static boolean isHex(String s, int length) {
    if (s == null || s.length() != length) {
      return false;
    }
    boolean nonZero = false;
    for (int i = 0; i < length; i++) {
      char c = s.charAt(i);
      boolean digit = c >= '0' && c <= '9';
      if (!digit && !(c >= 'a' && c <= 'f')) {
        return false;
      }
      nonZero |= c != '0';
    }
    return nonZero;
  }

  /** The attributes as strings (later keys win, as the spec leaves duplicates undefined). */
  public static Map<String, AnyValue> attributes(List<KeyValue> kvs) {
    Map<String, AnyValue> out = HashMap.newHashMap(kvs.size());
    for (KeyValue kv : kvs) {
      out.put(kv.getKey(), kv.getValue());
    }
    return out;
  }

  /** A readable string form: strings as is, arrays and maps as JSON-like text. */
  public static String string(AnyValue v) {
    if (v == null) {
      return "";
    }
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      case INT_VALUE -> Long.toString(v.getIntValue());
      case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
      case BYTES_VALUE -> Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray());
      case ARRAY_VALUE -> {
        StringBuilder sb = new StringBuilder("[");
        for (AnyValue e : v.getArrayValue().getValuesList()) {
          if (sb.length() > 1) {
            sb.append(", ");
          }
          sb.append(e.getValueCase() == AnyValue.ValueCase.STRING_VALUE ? quote(e.getStringValue()) : string(e));
        }
        yield sb.append(']').toString();
      }
      case KVLIST_VALUE -> {
        StringBuilder sb = new StringBuilder("{");
        for (KeyValue kv : v.getKvlistValue().getValuesList()) {
          if (sb.length() > 1) {
            sb.append(", ");
          }
          AnyValue e = kv.getValue();
          sb.append(quote(kv.getKey())).append(": ")
              .append(e.getValueCase() == AnyValue.ValueCase.STRING_VALUE ? quote(e.getStringValue()) : string(e));
        }
        yield sb.append('}').toString();
      }
      case VALUE_NOT_SET -> "";
    };
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** Every string leaf of a value, for searchable text (keys and structure left out). */
  public static void strings(AnyValue v, StringBuilder out) {
    switch (v.getValueCase()) {
      case STRING_VALUE -> appendLine(out, v.getStringValue());
      case ARRAY_VALUE -> v.getArrayValue().getValuesList().forEach(e -> strings(e, out));
      case KVLIST_VALUE -> v.getKvlistValue().getValuesList().forEach(kv -> {
        if (!TextExtractor.STRUCTURAL_KEYS.contains(kv.getKey())) {
          strings(kv.getValue(), out);
        }
      });
      default -> { }
    }
  }

  public static void appendLine(StringBuilder out, String s) {
    if (s == null || s.isBlank()) {
      return;
    }
    if (!out.isEmpty()) {
      out.append('\n');
    }
    out.append(s);
  }

  /** Long integer value of an int, double or numeric string attribute, or 0. */
  public static long longValue(AnyValue v) {
    if (v == null) {
      return 0;
    }
    return switch (v.getValueCase()) {
      case INT_VALUE -> v.getIntValue();
      case DOUBLE_VALUE -> (long) v.getDoubleValue();
      case STRING_VALUE -> {
        try {
          yield Long.parseLong(v.getStringValue().trim());
        } catch (NumberFormatException e) {
          yield 0;
        }
      }
      default -> 0;
    };
  }

  public static String cap(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "…";
  }
}
