package io.warden.core.health;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One component's health, as kept current by the component itself and only read by {@code
 * /healthz}, {@code /metrics} and the console. Reading it never blocks and never does I/O.
 *
 * @param state UP, DEGRADED (works, but with a stated limitation) or DOWN (cannot do its job)
 * @param message what is wrong and what to do, or "" when UP
 * @param details figures for people and dashboards (JSON-friendly values)
 */
public record Health(State state, String message, Map<String, Object> details) {

  /** Ordered from best to worst, so the worst of several is the greatest. */
  public enum State {
    UP, DEGRADED, DOWN;

    /** Lower-case, as in JSON bodies: "up", "degraded", "down". */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public Health {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(message, "message");
    details = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(details, "details")));
  }

  public static Health up() {
    return new Health(State.UP, "", Map.of());
  }

  public static Health degraded(String message) {
    return new Health(State.DEGRADED, message, Map.of());
  }

  public static Health down(String message) {
    return new Health(State.DOWN, message, Map.of());
  }

  /** This health with these figures added. */
  public Health withDetails(Map<String, ?> more) {
    Map<String, Object> all = new LinkedHashMap<>(details);
    all.putAll(more);
    return new Health(state, message, all);
  }

  public boolean isUp() {
    return state == State.UP;
  }

  /** A JSON-friendly map: {@code status} ("up", "degraded", "down"), message, details. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", state.label());
    m.put("message", message);
    m.put("details", details);
    return m;
  }
}
