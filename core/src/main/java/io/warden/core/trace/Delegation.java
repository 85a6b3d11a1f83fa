package io.warden.core.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code warden.delegation} baggage entry: the hops that led to the current agent, outermost
 * first, as {@code agent@traceId:spanId} separated by commas. Each delegating agent appends one hop
 * naming itself and the span from which it delegated. The first hop's trace id is the logical trace
 * id; the last hop's span is where the delegation happened.
 *
 * <p>The format is documented in the trace-store README; agents, SDK helpers and gateways write it.
 */
public final class Delegation {
  /** Baggage key and span attribute carrying the hops. */
  public static final String ATTRIBUTE = "warden.delegation";
  /**
   * Span attribute set at ingest on every span whose delegation chain names more than its own agent:
   * {@code true} when the caller's scoped token carries exactly that chain (minted by Warden under
   * the agents' {@code spec.delegates}), {@code false} when the chain is only claimed (baggage or
   * {@code warden.delegation.chain}). Never taken from the client.
   */
  public static final String VERIFIED_ATTRIBUTE = "warden.delegation.verified";

  /** One delegation step: {@code agent} delegated from span {@code traceId:spanId}. */
  public record Hop(String agent, String traceId, String spanId) {
    public String spanKey() {
      return traceId + ":" + spanId;
    }

    @Override
    public String toString() {
      return agent + "@" + traceId + ":" + spanId;
    }
  }

  private Delegation() {}

  /** Parses the hops; malformed hops are skipped (returned list may be shorter). */
  public static List<Hop> parse(String value) {
    List<Hop> hops = new ArrayList<>();
    if (value == null || value.isBlank()) {
      return hops;
    }
    for (String part : value.split(",")) {
      String p = part.strip();
      int at = p.lastIndexOf('@');
      int colon = p.lastIndexOf(':');
      if (at <= 0 || colon < at) {
        continue;
      }
      String trace = p.substring(at + 1, colon).toLowerCase(Locale.ROOT);
      String span = p.substring(colon + 1).toLowerCase(Locale.ROOT);
      if (isHex(trace, 32) && isHex(span, 16)) {
        hops.add(new Hop(p.substring(0, at), trace, span));
      }
    }
    return hops;
  }

  private static boolean isHex(String s, int length) {
    if (s.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = s.charAt(i);
      if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
        return false;
      }
    }
    return true;
  }

  public static String format(List<Hop> hops) {
    StringBuilder sb = new StringBuilder();
    for (Hop h : hops) {
      if (!sb.isEmpty()) {
        sb.append(',');
      }
      sb.append(h);
    }
    return sb.toString();
  }
}
