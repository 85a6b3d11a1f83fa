package io.warden.core.session;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * What a parked session waits for. An {@code approval} wait resumes the session by itself when the
 * approval is decided (approved, denied or expired), a {@code timer} wait when its time comes; a
 * {@code tool} or {@code manual} wait only through {@link SessionRouter#resume}.
 *
 * @param kind what kind of event
 * @param value the approval id, the instant (ISO-8601) of a timer, the tool's name, or ""
 */
public record SessionWait(Kind kind, String value) {

  /** No event: resumed by hand. */
  public static final SessionWait MANUAL = new SessionWait(Kind.MANUAL, "");

  public enum Kind {
    APPROVAL,
    TIMER,
    TOOL,
    MANUAL;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public SessionWait {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(value, "value");
    if (kind == Kind.TIMER) {
      Instant.parse(value); // an ISO-8601 instant, or DateTimeParseException
    }
  }

  /** {@code approval:apr_1}, {@code timer:2026-01-01T00:00:00Z}, {@code tool:erp}, {@code manual}. */
  public String wire() {
    return value.isEmpty() ? kind.wireName() : kind.wireName() + ":" + value;
  }

  /** Parses {@link #wire()}; throws IllegalArgumentException naming the allowed forms. */
  public static SessionWait parse(String wire) {
    Objects.requireNonNull(wire, "wire");
    int colon = wire.indexOf(':');
    String kind = colon < 0 ? wire : wire.substring(0, colon);
    String value = colon < 0 ? "" : wire.substring(colon + 1);
    for (Kind k : Kind.values()) {
      if (k.wireName().equals(kind)) {
        if (k != Kind.MANUAL && value.isBlank()) {
          throw new IllegalArgumentException("waiting_for '" + wire + "' needs a value: " + kind + ":<"
              + (k == Kind.TIMER ? "ISO-8601 instant" : k == Kind.APPROVAL ? "approval id" : "tool name") + ">");
        }
        try {
          return new SessionWait(k, value);
        } catch (java.time.format.DateTimeParseException e) {
          throw new IllegalArgumentException("waiting_for '" + wire + "': the timer is not an ISO-8601 instant"
              + " such as 2026-01-31T09:00:00Z");
        }
      }
    }
    throw new IllegalArgumentException("waiting_for '" + wire + "' is not one of approval:<id>, timer:<instant>,"
        + " tool:<name>, manual");
  }
}
