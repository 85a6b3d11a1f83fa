package io.warden.executors.gateway.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where a gateway span belongs: the caller's W3C {@code traceparent} (its span becomes the parent)
 * and the Warden entries of its {@code baggage} ({@code warden.delegation}, whose first hop names the
 * logical trace, and {@code warden.intent}). Without a valid {@code traceparent} the span starts a
 * new trace.
 *
 * @param traceId 32 lowercase hex digits
 * @param parentSpanId 16 lowercase hex digits, or "" for a root
 * @param logicalTraceId the logical trace the call belongs to
 * @param intent the original intent, or ""
 * @param delegation the raw {@code warden.delegation} baggage value, or ""
 *
 * <p>Internal: not public API.
 */
public record TraceContext(String traceId, String parentSpanId, String logicalTraceId, String intent, String delegation) {
  private static final Pattern TRACEPARENT = Pattern.compile("^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$");
  private static final SecureRandom RANDOM = new SecureRandom();

  public static TraceContext of(@Nullable String traceparent, @Nullable String baggage) {
    String traceId = null;
    String parent = "";
    if (traceparent != null) {
      var m = TRACEPARENT.matcher(traceparent.strip().toLowerCase(java.util.Locale.ROOT));
      if (m.matches() && !m.group(1).matches("0+") && !m.group(2).matches("0+")) {
        traceId = m.group(1);
        parent = m.group(2);
      }
    }
    if (traceId == null) {
      traceId = randomHex(16);
    }
    String delegation = baggageEntry(baggage, "warden.delegation");
    String intent = baggageEntry(baggage, "warden.intent");
    String logical = traceId;
    // warden.delegation: agent@traceId:spanId,...; the first hop's trace is the logical trace.
    if (!delegation.isEmpty()) {
      String first = delegation.split(",")[0].strip();
      int at = first.indexOf('@');
      int colon = first.indexOf(':', at + 1);
      if (at > 0 && colon == at + 33 && first.substring(at + 1, colon).matches("[0-9a-f]{32}")) {
        logical = first.substring(at + 1, colon);
      }
    }
    return new TraceContext(traceId, parent, logical, intent, delegation);
  }

  /** A fresh span id. */
  public static String newSpanId() {
    return randomHex(8);
  }

  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static String baggageEntry(@Nullable String baggage, String key) {
    if (baggage == null || baggage.isBlank()) {
      return "";
    }
    for (String member : baggage.split(",")) {
      int semi = member.indexOf(';');
      String kv = semi < 0 ? member : member.substring(0, semi);
      int eq = kv.indexOf('=');
      if (eq > 0 && kv.substring(0, eq).strip().equals(key)) {
        try {
          return URLDecoder.decode(kv.substring(eq + 1).strip(), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          return "";
        }
      }
    }
    return "";
  }
}
