package io.warden.executors.session;

import io.warden.core.session.InvokeRequest;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A call that arrived at a node that does not serve its session, as it goes to the node that does.
 * The receiving node already authenticated and authorized the caller (members trust each other);
 * the owner needs only who it was, for idempotency keys (scoped per caller) and the trace.
 *
 * @param op {@link #INVOKE}, {@link #SUSPEND}, {@link #RESUME} or {@link #END}
 * @param callerSubject {@code user:alice}, {@code agent:x}
 * @param callerChain the calling agent's delegation chain (empty for users)
 * @param session the session
 * @param request the request ({@link #INVOKE} only)
 * @param waitingFor what a parked session waits for ({@link #SUSPEND} only, else "")
 */
public record ForwardedCall(
    String op, String callerSubject, List<String> callerChain, String session, @Nullable InvokeRequest request,
    String waitingFor) {
  public static final String INVOKE = "invoke";
  public static final String SUSPEND = "suspend";
  public static final String RESUME = "resume";
  public static final String END = "end";

  public ForwardedCall {
    Objects.requireNonNull(op, "op");
    Objects.requireNonNull(callerSubject, "callerSubject");
    callerChain = List.copyOf(callerChain);
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(waitingFor, "waitingFor");
  }
}
