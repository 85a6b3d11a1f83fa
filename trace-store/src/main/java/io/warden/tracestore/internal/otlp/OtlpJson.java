package io.warden.tracestore.internal.otlp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The OTLP/JSON encoding: the protobuf JSON mapping with one difference that
 * {@link JsonFormat} does not know — trace and span ids are hex strings, not base64. Ids are turned
 * into base64 before {@code JsonFormat} parses the message. Unknown fields are ignored, as the spec
 * asks of receivers.
 *
 * <p>Internal: not public API.
 */
public final class OtlpJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Set<String> ID_FIELDS = Set.of(
      "traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id");
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

  private OtlpJson() {}

  /**
   * Parses {@code json} into {@code builder}.
   *
   * @throws MalformedException naming what was wrong
   */
  public static void parse(byte[] json, Message.Builder builder) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw new MalformedException("malformed JSON body"
          + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
          + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new MalformedException("unreadable JSON body: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new MalformedException("malformed JSON body: expected an object");
    }
    hexIdsToBase64(root, "$");
    try {
      PARSER.merge(MAPPER.writeValueAsString(root), builder);
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedException("JSON body does not match the OTLP message: " + e.getMessage());
    } catch (JsonProcessingException e) {
      throw new MalformedException("malformed JSON body: " + e.getOriginalMessage());
    }
  }

  private static void hexIdsToBase64(JsonNode node, String path) {
    if (node instanceof ObjectNode obj) {
      Iterator<Map.Entry<String, JsonNode>> it = obj.properties().iterator();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        String p = path + "." + e.getKey();
        JsonNode v = e.getValue();
        if (ID_FIELDS.contains(e.getKey()) && v.isTextual()) {
          e.setValue(TextNode.valueOf(hexToBase64(v.asText(), p)));
        } else {
          hexIdsToBase64(v, p);
        }
      }
    } else if (node instanceof ArrayNode arr) {
      for (int i = 0; i < arr.size(); i++) {
        hexIdsToBase64(arr.get(i), path + "[" + i + "]");
      }
    }
  }

  private static String hexToBase64(String hex, String path) {
    if (hex.isEmpty()) {
      return "";
    }
    try {
      if (hex.length() % 2 != 0) {
        throw new IllegalArgumentException("odd length");
      }
      return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    } catch (IllegalArgumentException e) {
      throw new MalformedException(path + ": '" + hex + "' is not a hex id; OTLP/JSON encodes trace and span "
          + "ids as hex strings");
    }
  }

  public static byte[] print(Message message) {
    try {
      return PRINTER.print(message).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
