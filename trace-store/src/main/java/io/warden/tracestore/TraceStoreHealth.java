package io.warden.tracestore;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The trace store's state for the status page and {@code /healthz}.
 *
 * @param status OK, DEGRADED (ingest works but a store is behind or down, so spans wait in the
 *     write-ahead log) or DOWN (not started or closed)
 * @param message what is wrong and what to do, or "" when OK
 * @param details figures: write-ahead log size, per-store progress, ingest counts, ports
 */
public record TraceStoreHealth(Status status, String message, Map<String, Object> details) {
  public enum Status { OK, DEGRADED, DOWN }

  public TraceStoreHealth {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(message, "message");
    details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }

  /** A JSON-friendly map: {@code status} lowercase ("ok", "degraded", "down"), message, details. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", status.name().toLowerCase(java.util.Locale.ROOT));
    m.put("message", message);
    m.put("details", details);
    return m;
  }
}
