package io.warden.core.audit.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.core.audit.AuditEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The audit line format and its hash.
 *
 * <p>The <b>canonical form</b> of an entry is compact JSON (UTF-8, no whitespace) with the fields in
 * this order: {@code seq, time, actor, action, target, details, prevHash}; inside {@code details}
 * object keys are sorted at every depth. {@code hash} is the lowercase hex SHA-256 of those bytes.
 * A line on disk is the canonical form with {@code ,"hash":"<hex>"} added before its closing brace,
 * then {@code \n}. A verifier parses the line, rebuilds the canonical form from the parsed values
 * and compares hashes, so the check does not depend on how the line was formatted.
 *
 * <p>Internal: not public API.
 */
public final class AuditCodec {

  /** Parses numbers exactly and refuses duplicate keys, so a parse-and-rebuild is byte-stable. */
  static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private static final Set<String> FIELDS =
      Set.of("seq", "time", "actor", "action", "target", "details", "prevHash", "hash");
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private AuditCodec() {}

  /** An entry and the line that stores it ({@code \n} included). */
  public record Encoded(AuditEvent event, byte[] line) {}

  /** A line that could be parsed, with the hash its content should have. */
  public record Decoded(AuditEvent event, String computedHash) {
    public boolean hashMatches() {
      return MessageDigest.isEqual(
          event.hash().getBytes(StandardCharsets.US_ASCII), computedHash.getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** A line that is not a well-formed entry; the message says why, lowercase. */
  public static final class MalformedEntryException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedEntryException(String message) {
      super(message);
    }
  }

  /**
   * Turns caller-supplied details into the JSON tree that will be stored: null values at the top
   * level are dropped, and the tree is what a parser would read back from it.
   */
  public static ObjectNode normalizeDetails(Map<String, ?> details) {
    Map<String, Object> clean = new TreeMap<>();
    if (details != null) {
      details.forEach((key, value) -> {
        if (key == null) {
          throw new IllegalArgumentException("audit details must not have a null key");
        }
        if (value != null) {
          clean.put(key, value);
        }
      });
    }
    try {
      return (ObjectNode) MAPPER.readTree(MAPPER.writeValueAsBytes(clean));
    } catch (IOException e) {
      throw new IllegalArgumentException("audit details cannot be written as json: " + e.getMessage(), e);
    }
  }

  /** Builds the entry, its hash and its line. */
  public static Encoded encode(
      long seq, Instant time, String actor, String action, String target, ObjectNode details, String prevHash) {
    String timeText = time.toString();
    byte[] canonical = canonical(seq, timeText, actor, action, target, details, prevHash);
    String hash = sha256Hex(canonical);
    byte[] suffix = (",\"hash\":\"" + hash + "\"}\n").getBytes(StandardCharsets.US_ASCII);
    byte[] line = new byte[canonical.length - 1 + suffix.length];
    System.arraycopy(canonical, 0, line, 0, canonical.length - 1); // drop the closing brace
    System.arraycopy(suffix, 0, line, canonical.length - 1, suffix.length);
    AuditEvent event = new AuditEvent(seq, time, actor, action, target, toMap(details), prevHash, hash);
    // Self-check: a verifier must compute the same hash from the stored line, or the entry would
    // look tampered with forever. Cheap next to the fsync that follows.
    try {
      if (!decode(Arrays.copyOf(line, line.length - 1)).hashMatches()) {
        throw new IllegalArgumentException("audit entry does not survive a json round trip: " + details);
      }
    } catch (MalformedEntryException e) {
      throw new IllegalArgumentException("audit entry would be unreadable: " + e.getMessage(), e);
    }
    return new Encoded(event, line);
  }

  /** Parses one line (without its {@code \n}) and recomputes its hash. */
  public static Decoded decode(byte[] line) throws MalformedEntryException {
    if (line.length == 0) {
      throw new MalformedEntryException("empty line");
    }
    JsonNode tree;
    try {
      tree = MAPPER.readTree(line);
    } catch (JsonProcessingException e) {
      throw new MalformedEntryException("not json: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!(tree instanceof ObjectNode entry)) {
      throw new MalformedEntryException("not a json object");
    }
    for (Iterator<String> names = entry.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw new MalformedEntryException("unexpected field '" + name + "'");
      }
    }
    JsonNode seqNode = entry.get("seq");
    if (seqNode == null || !seqNode.isIntegralNumber() || !seqNode.canConvertToLong() || seqNode.asLong() < 1) {
      throw new MalformedEntryException("field 'seq' must be a positive integer");
    }
    String timeText = text(entry, "time");
    Instant time;
    try {
      time = Instant.parse(timeText);
    } catch (DateTimeParseException e) {
      throw new MalformedEntryException("field 'time' is not an iso-8601 instant: '" + timeText + "'");
    }
    if (!(entry.get("details") instanceof ObjectNode details)) {
      throw new MalformedEntryException("field 'details' must be a json object");
    }
    String actor = text(entry, "actor");
    String action = text(entry, "action");
    String target = text(entry, "target");
    String prevHash = text(entry, "prevHash");
    String hash = text(entry, "hash");
    long seq = seqNode.asLong();
    byte[] canonical = canonical(seq, timeText, actor, action, target, details, prevHash);
    AuditEvent event;
    try {
      event = new AuditEvent(seq, time, actor, action, target, toMap(details), prevHash, hash);
    } catch (RuntimeException e) {
      throw new MalformedEntryException("not a valid entry: " + e.getMessage());
    }
    return new Decoded(event, sha256Hex(canonical));
  }

  private static String text(ObjectNode entry, String field) throws MalformedEntryException {
    JsonNode node = entry.get(field);
    if (node == null || !node.isTextual()) {
      throw new MalformedEntryException("field '" + field + "' must be a string");
    }
    return node.textValue();
  }

  private static byte[] canonical(
      long seq, String time, String actor, String action, String target, JsonNode details, String prevHash) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator gen = MAPPER.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
      gen.writeStartObject();
      gen.writeNumberField("seq", seq);
      gen.writeStringField("time", time);
      gen.writeStringField("actor", actor);
      gen.writeStringField("action", action);
      gen.writeStringField("target", target);
      gen.writeFieldName("details");
      writeSorted(gen, details);
      gen.writeStringField("prevHash", prevHash);
      gen.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void writeSorted(JsonGenerator gen, JsonNode node) throws IOException {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      names.sort(null);
      gen.writeStartObject();
      for (String name : names) {
        gen.writeFieldName(name);
        writeSorted(gen, node.get(name));
      }
      gen.writeEndObject();
    } else if (node.isArray()) {
      gen.writeStartArray();
      for (JsonNode element : node) {
        writeSorted(gen, element);
      }
      gen.writeEndArray();
    } else {
      gen.writeTree(node);
    }
  }

  private static Map<String, Object> toMap(JsonNode details) {
    Map<String, Object> map = new LinkedHashMap<>(MAPPER.convertValue(details, MAP));
    map.values().removeIf(java.util.Objects::isNull); // AuditEvent's Map.copyOf refuses null values
    return map;
  }

  static String sha256Hex(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every java runtime has sha-256", e);
    }
  }
}
