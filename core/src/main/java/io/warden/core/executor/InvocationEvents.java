package io.warden.core.executor;

/**
 * Receives a streamed answer's server-sent events as the runtime produces them, so a caller that asked
 * for {@code text/event-stream} sees each one before the last is produced. Called only for a 2xx
 * {@code text/event-stream} answer, in order, from one thread at a time; the answer's
 * {@link InvocationResult} (every event, whole) still comes back at the end.
 */
@FunctionalInterface
public interface InvocationEvents {

  /**
   * One whole event as the runtime sent it (its {@code event:}/{@code data:}/{@code id:} lines, LF
   * line ends), without the blank line that ends it. Must not block for long: the runtime's
   * connection waits meanwhile.
   */
  void event(String event);
}
