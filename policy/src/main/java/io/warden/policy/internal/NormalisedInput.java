package io.warden.policy.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.warden.core.policy.DecisionInput;
import io.warden.policy.api.RuntimeInputV1;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A {@link DecisionInput} reduced to the canonical JSON that OPA receives, and its SHA-256 digest,
 * which is both the decision-cache key (with the policy revision) and what the decision log keeps.
 * Equal facts give equal bytes: object keys sorted, numbers as plain decimals without trailing
 * zeros ({@code 40.0} and {@code 40} are one number), and the time rounded down to the bucket, so
 * that calls in the same bucket can share a cached decision.
 *
 * @param json the {@link RuntimeInputV1} document as UTF-8 JSON
 * @param digest hex SHA-256 of {@code json}
 *
 * <p>Internal: not public API.
 */
public record NormalisedInput(byte[] json, String digest) {

  private static final ObjectMapper CANONICAL = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
      .build();

  /** Normalises {@code input} with its time rounded down to a multiple of {@code bucket}. */
  public static NormalisedInput of(DecisionInput input, Duration bucket) {
    RuntimeInputV1 doc = new RuntimeInputV1(
        input.agent(), input.delegationChain(), input.action(), input.resource(),
        input.actionValueUsd() == null ? null : number(input.actionValueUsd()),
        sortedMap(input.budget()),
        bucketed(input.time(), bucket).toString());
    byte[] json;
    try {
      json = CANONICAL.writeValueAsBytes(doc);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("decision input cannot be written as JSON: " + e.getOriginalMessage(), e);
    }
    return new NormalisedInput(json, sha256(json));
  }

  /** {@code time} rounded down to a multiple of {@code bucket} since the epoch. */
  static Instant bucketed(Instant time, Duration bucket) {
    long ms = bucket.toMillis();
    if (ms <= 1) {
      return time;
    }
    return Instant.ofEpochMilli(Math.floorDiv(time.toEpochMilli(), ms) * ms);
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static SortedMap<String, Object> sortedMap(Map<?, ?> map) {
    SortedMap<String, Object> out = new TreeMap<>();
    map.forEach((k, v) -> out.put(String.valueOf(k), value(v)));
    return out;
  }

  private static Object value(Object v) {
    if (v instanceof Map<?, ?> m) {
      return sortedMap(m);
    }
    if (v instanceof Collection<?> c) {
      ArrayList<Object> out = new ArrayList<>(c.size());
      c.forEach(e -> out.add(value(e)));
      return out;
    }
    if (v instanceof BigDecimal d) {
      return number(d);
    }
    if (v instanceof BigInteger i) {
      return new BigDecimal(i);
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new IllegalArgumentException("decision input budget holds a number JSON cannot carry: " + d);
      }
      return number(BigDecimal.valueOf(d));
    }
    if (v instanceof Number n) {
      return BigDecimal.valueOf(n.longValue());
    }
    if (v == null || v instanceof String || v instanceof Boolean) {
      return v;
    }
    return v.toString();
  }

  private static BigDecimal number(BigDecimal d) {
    BigDecimal s = d.stripTrailingZeros();
    // 1E+3 stays a plain 1000 on the wire (WRITE_BIGDECIMAL_AS_PLAIN); scale below 0 is only notation.
    return s.scale() < 0 ? s.setScale(0) : s;
  }
}
