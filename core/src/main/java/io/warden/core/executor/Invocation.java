package io.warden.core.executor;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One request for an agent's runtime, as the session router hands it over.
 *
 * @param session the session id, or null for a request outside any session
 * @param tenant the tenant, or null
 * @param idempotencyKey the caller's {@code Idempotency-Key}, or null
 * @param body the request body as received (JSON for A2A and plain JSON runtimes)
 * @param traceHeaders W3C {@code traceparent} / {@code tracestate} / {@code baggage} to pass on, so the
 *     runtime's spans join the caller's logical trace
 * @param timeout how long the runtime may take before the invocation fails
 */
public record Invocation(
    String agent,
    @Nullable String session,
    @Nullable String tenant,
    @Nullable String idempotencyKey,
    String contentType,
    byte[] body,
    Map<String, String> traceHeaders,
    Duration timeout) {

  public Invocation {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
    traceHeaders = Map.copyOf(traceHeaders);
    Objects.requireNonNull(timeout, "timeout");
  }
}
