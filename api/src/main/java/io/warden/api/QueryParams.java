package io.warden.api;

import io.vertx.ext.web.RoutingContext;
import io.warden.core.WardenException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Query-string parsing every list endpoint shares. A bad value is a 400 that names the parameter,
 * shows the value and says what is accepted.
 */
final class QueryParams {
  private static final Pattern LOOK_BACK = Pattern.compile("(\\d{1,9})([smhd])");

  private QueryParams() {}

  /** The parameter's value, stripped; null when absent or blank. */
  static String param(RoutingContext ctx, String name) {
    return blankToNull(ctx.request().getParam(name));
  }

  static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  /** A page size in 1..{@code max}; {@code dflt} when absent. */
  static int limit(String value, int dflt, int max) {
    String v = blankToNull(value);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= 1 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw WardenException.invalid("limit must be a whole number 1.." + max + ", got '" + value + "'");
  }

  /** A whole number ≥ 0; {@code dflt} when absent. */
  static long nonNegative(String value, long dflt, String name) {
    String v = blankToNull(value);
    if (v == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw WardenException.invalid(name + " must be a whole number >= 0, got '" + value + "'");
  }

  /** An ISO-8601 instant, a date (midnight UTC) or a look-back ({@code 15m}, {@code 24h}, {@code 7d}); null when absent. */
  static Instant time(String value, String name, Clock clock) {
    String v = blankToNull(value);
    if (v == null) {
      return null;
    }
    Matcher back = LOOK_BACK.matcher(v);
    try {
      if (back.matches()) {
        long n = Long.parseLong(back.group(1));
        return clock.instant().minus(switch (back.group(2)) {
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        });
      }
      return v.length() == 10 ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(v);
    } catch (DateTimeParseException e) {
      throw WardenException.invalid(name + " must be an ISO-8601 instant (2026-05-01T12:00:00Z), a date"
          + " (2026-05-01) or a look-back (15m, 24h, 7d), got '" + value + "'");
    }
  }
}
