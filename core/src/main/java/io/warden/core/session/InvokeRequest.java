package io.warden.core.session;

import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One call of {@code POST /api/v1/agents/{agent}/invoke} as the router takes it.
 *
 * @param agent the agent invoked
 * @param session the session id ({@code Warden-Session} header or {@code session_id} field), or null
 * @param tenant the tenant ({@code Warden-Tenant} header or {@code tenant} field), or null
 * @param idempotencyKey the {@code Idempotency-Key} header, or null
 * @param contentType the request's content type
 * @param body the request body, passed to the runtime unchanged
 * @param traceHeaders the caller's {@code traceparent}, {@code tracestate} and {@code baggage}
 */
public record InvokeRequest(
    String agent,
    @Nullable String session,
    @Nullable String tenant,
    @Nullable String idempotencyKey,
    String contentType,
    byte[] body,
    Map<String, String> traceHeaders) {

  public InvokeRequest {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
    traceHeaders = Map.copyOf(traceHeaders);
  }
}
