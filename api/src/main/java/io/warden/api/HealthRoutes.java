package io.warden.api;

import io.vertx.ext.web.Router;
import io.warden.core.health.Health;
import io.warden.core.health.HealthIndicator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * {@code GET /healthz} (no credential): every component's {@link Health} and the worst of them.
 * It only reads what each component keeps current ({@link HealthIndicator#health()} never
 * blocks), so it is answered on the event loop without I/O; wrap a component whose health must be
 * computed in {@link PolledHealth}.
 *
 * <p>Body: {@code status} (the worst component state: {@code up}, {@code degraded} or {@code down}),
 * {@code message} (each component that is not up, with its reason), the {@linkplain #withFacts
 * facts}, and one entry per component, under its name, with {@code status}, {@code message} and
 * {@code details}. 503 while a component is DOWN (the appliance cannot do its job), 200 otherwise.
 */
public final class HealthRoutes {
  private final Map<String, HealthIndicator> components;
  private final Supplier<? extends Map<String, ?>> facts;

  private HealthRoutes(Map<String, HealthIndicator> components, Supplier<? extends Map<String, ?>> facts) {
    this.components = components;
    this.facts = facts;
  }

  /** Health of {@code components} (in order; names become keys of the body). */
  public static HealthRoutes of(Map<String, ? extends HealthIndicator> components) {
    Map<String, HealthIndicator> copy = new LinkedHashMap<>();
    components.forEach((name, indicator) -> copy.put(
        Objects.requireNonNull(name, "name"), Objects.requireNonNull(indicator, "indicator")));
    return new HealthRoutes(copy, Map::of);
  }

  /** These routes with in-memory facts added to the body (say, agents on main); must not block. */
  public HealthRoutes withFacts(Supplier<? extends Map<String, ?>> facts) {
    return new HealthRoutes(components, Objects.requireNonNull(facts, "facts"));
  }

  /** Every component's current health, by name. */
  public Map<String, Health> components() {
    Map<String, Health> all = new LinkedHashMap<>();
    components.forEach((name, indicator) -> all.put(name, read(name, indicator)));
    return all;
  }

  /** The {@code /healthz} body for {@code healths}. */
  static Map<String, Object> report(Map<String, Health> healths, Map<String, ?> facts) {
    Health.State worst = Health.State.UP;
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Health> e : healths.entrySet()) {
      Health h = e.getValue();
      if (h.state().compareTo(worst) > 0) {
        worst = h.state();
      }
      if (!h.isUp()) {
        problems.add(e.getKey() + " " + h.state().label() + (h.message().isEmpty() ? "" : ": " + h.message()));
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", worst.label());
    body.put("message", String.join("; ", problems));
    body.putAll(facts);
    healths.forEach((name, h) -> body.put(name, h.toMap()));
    return body;
  }

  /** 503 while any component is DOWN, else 200. */
  static int statusCode(Map<String, Health> healths) {
    return healths.values().stream().anyMatch(h -> h.state() == Health.State.DOWN) ? 503 : 200;
  }

  void mount(Router router, Http http) {
    router.get("/healthz").handler(ctx -> {
      Map<String, Health> healths = components();
      http.send(ctx, statusCode(healths), report(healths, facts.get()));
    });
  }

  /** A component that breaks its contract (throws or returns null) is reported DOWN, not a 500. */
  private static Health read(String name, HealthIndicator indicator) {
    try {
      Health h = indicator.health();
      return h != null ? h : Health.down(name + " reported no health");
    } catch (RuntimeException e) {
      return Health.down(name + " health failed: " + e);
    }
  }
}
