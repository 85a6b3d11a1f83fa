package io.warden.tracestore.clickhouse;

import io.warden.core.WardenException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Keyset position after the last span of a page: pages are ordered by
 * {@code (start_time, trace_id, span_id)} descending, so the next page is what sorts below it. The
 * wire form is opaque (base64url of {@code ch1|startNanos|traceId|spanId}).
 */
record PageCursor(long startEpochNanos, String traceId, String spanId) {
  private static final String VERSION = "ch1";
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{1,64}");

  String encode() {
    String plain = VERSION + "|" + startEpochNanos + "|" + traceId + "|" + spanId;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  /** Null or "" means the first page. */
  static PageCursor decode(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return null;
    }
    try {
      String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      String[] parts = plain.split("\\|", -1);
      if (parts.length == 4 && parts[0].equals(VERSION) && HEX.matcher(parts[2]).matches()
          && HEX.matcher(parts[3]).matches()) {
        return new PageCursor(Long.parseLong(parts[1]), parts[2], parts[3]);
      }
    } catch (IllegalArgumentException e) {
      // falls through to the refusal below (NumberFormatException is one)
    }
    throw WardenException.invalid("cursor '" + cursor + "' is not a cursor of the clickhouse-v1 span "
        + "store; pass the nextCursor of the previous page unchanged, or none for the first page");
  }
}
