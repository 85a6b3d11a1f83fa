package io.warden.tracestore.internal.assembly;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which logical trace a trace id was last seen to belong to, so that spans of a sub-agent's trace
 * that arrive without a link or baggage still get the right {@code logicalTraceId} at ingest. A
 * bounded, in-memory hint only: logical trace assembly does not rely on it (it follows links and
 * delegation at query time), so losing it at restart costs nothing but a less precise filter.
 *
 * <p>Internal: not public API. Thread-safe.
 */
public final class LogicalTraceHints {
  private final Map<String, String> logicalByTrace;

  public LogicalTraceHints(int capacity) {
    this.logicalByTrace = new LinkedHashMap<>(1024, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
        return size() > capacity;
      }
    };
  }

  /** The logical trace of {@code traceId}, or {@code traceId} itself when unknown. */
  public synchronized String logicalOf(String traceId) {
    return logicalByTrace.getOrDefault(traceId, traceId);
  }

  public synchronized boolean knows(String traceId) {
    return logicalByTrace.containsKey(traceId);
  }

  public synchronized void remember(String traceId, String logicalTraceId) {
    if (!traceId.equals(logicalTraceId)) {
      logicalByTrace.put(traceId, logicalTraceId);
    }
  }
}
