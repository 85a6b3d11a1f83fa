package io.warden.core.executor;

import io.warden.core.descriptor.AgentDescriptor;

/**
 * SPI: drives one kind of agent runtime ({@code spec.executor.type}). Adapters are discovered with
 * {@link java.util.ServiceLoader} through {@link AgentExecutorProvider}; reconcile calls
 * {@link #apply} and {@link #remove}, the session router calls {@link #invoke} and the session
 * methods. Implementations are thread-safe; every method may be called from many threads at once.
 *
 * <p>Runtimes without sessions of their own keep the defaults: starting and stopping is a no-op and a
 * session's checkpoint is empty, so Warden's own session metadata is all there is to park.
 */
public interface AgentExecutor extends AutoCloseable {

  /** The {@code spec.executor.type} this adapter handles; ASCII, lowercase. */
  String type();

  /**
   * Applies the descriptor as of {@code revision} (the commit of {@code main} that last changed it) and
   * returns once the runtime confirms that revision; throws with the runtime's message otherwise, and
   * reconcile marks the agent Degraded with it.
   */
  void apply(AgentDescriptor descriptor, String revision) throws ExecutorException;

  /** Stops the agent's runtime and forgets it; removing an unknown agent is not an error. */
  void remove(String agent) throws ExecutorException;

  /** Runs one request on the agent's runtime, within {@link Invocation#timeout()}. */
  InvocationResult invoke(Invocation invocation) throws ExecutorException;

  /**
   * Like {@link #invoke(Invocation)}, and hands a streamed ({@code text/event-stream}) answer's events
   * to {@code events} as they arrive, returning the whole answer once it has ended. The default
   * streams nothing: the events come back only in the result.
   */
  default InvocationResult invoke(Invocation invocation, InvocationEvents events) throws ExecutorException {
    return invoke(invocation);
  }

  /** What the runtime of {@code agent} is doing now; never throws (a failure is {@code DEGRADED}). */
  ExecutorStatus status(String agent);

  /** Prepares the runtime for a new session. */
  default void start(SessionRef session) throws ExecutorException {}

  /**
   * Parks a session: the runtime hands over what it needs to continue it later (possibly on another
   * node) and may free everything it held for it.
   */
  default SessionCheckpoint suspend(SessionRef session) throws ExecutorException {
    return SessionCheckpoint.EMPTY;
  }

  /** Continues a parked session from the checkpoint {@link #suspend} returned. */
  default void resume(SessionRef session, SessionCheckpoint checkpoint) throws ExecutorException {}

  /** Ends a session; the runtime forgets it. Stopping an unknown session is not an error. */
  default void stop(SessionRef session) throws ExecutorException {}

  /** Releases processes and connections; the executor is not used afterwards. */
  @Override
  default void close() {}
}
