package io.warden.core.session;

import io.warden.core.executor.InvocationEvents;
import io.warden.core.executor.InvocationResult;
import io.warden.core.identity.Principal;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Runs requests on agents' runtimes in order and within bounds, and parks and resumes sessions.
 * Refusals are {@link io.warden.core.WardenException}s with the API's stable codes (thrown, or the
 * returned stage failing with one): {@code not_found}, {@code invalid_input}, {@code forbidden},
 * {@code conflict}, {@code too_large}, {@code too_many_requests} ({@link RouterBusyException}),
 * {@code budget_exceeded}, {@code executor_failed}, {@code executor_timeout}, {@code unavailable}.
 *
 * <p>Who may call: a user with the {@code author} role or above (operators), or an agent whose
 * {@code spec.delegates} lists the agent invoked; listing needs {@code viewer}; an agent may also
 * suspend, resume and end its own sessions.
 */
public interface SessionRouter extends AutoCloseable {

  /** Largest request body, in bytes ({@value}); a larger one is {@code too_large}. */
  int MAX_BODY_BYTES = 1 << 20;

  /** Session ids and tenants: 1 to 128 of letters, digits, '.', '_', ':', '-', starting with a letter or digit. */
  String ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._:-]{0,127}";

  /** Idempotency keys: 1 to 255 visible ASCII characters. */
  String IDEMPOTENCY_KEY_PATTERN = "[\\x21-\\x7e]{1,255}";

  /**
   * Queues one request and completes with the runtime's answer; with an idempotency key seen before
   * (by this caller, for this agent), with the first execution's answer instead, never running it
   * twice. A full queue fails at once with {@link RouterBusyException}.
   */
  CompletionStage<InvocationResult> invoke(Principal caller, InvokeRequest request);

  /**
   * Like {@link #invoke(Principal, InvokeRequest)}, and relays a streamed answer's events to
   * {@code events} as the runtime produces them (the session's lane is held until the stream ends;
   * the idempotency record keeps the whole answer). An answer from a first execution, from another
   * cluster node or from an executor that does not stream relays nothing: it comes back only whole.
   */
  default CompletionStage<InvocationResult> invoke(Principal caller, InvokeRequest request, InvocationEvents events) {
    return invoke(caller, request);
  }

  /** Sessions of {@code agent} (every agent when null) with ids after {@code after}, at most {@code limit}. */
  List<SessionInfo> list(Principal caller, @Nullable String agent, String after, int limit);

  SessionInfo get(Principal caller, String id);

  /**
   * Parks a session: its runtime's checkpoint and Warden's metadata go to disk and nothing of it
   * stays in memory. With requests in flight it is {@code PARKING} until they finish.
   */
  SessionInfo suspend(Principal caller, String id, SessionWait waitingFor);

  /** Continues a parked session from its checkpoint; resuming an active one is a no-op. */
  SessionInfo resume(Principal caller, String id);

  /** Ends a session: the runtime forgets it; Warden keeps its state only for {@code persistent} memory. */
  SessionInfo end(Principal caller, String id);

  @Override
  default void close() {}
}
