package io.warden.core.health;

/**
 * A component that reports its own {@link Health}. The component keeps the value current on its
 * own threads (probes, workers); {@link #health()} only returns the last value, so callers on an
 * event loop may call it freely.
 */
@FunctionalInterface
public interface HealthIndicator {
  /** The last known health; never blocks, never null. */
  Health health();
}
