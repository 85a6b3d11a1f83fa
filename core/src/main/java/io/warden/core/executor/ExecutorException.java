package io.warden.core.executor;

/**
 * A runtime refused, failed or did not answer. {@link #retryable()} is true only when the request
 * certainly did not run (the runtime could not be reached, or crashed before accepting it), so the
 * router may run it once more under the same idempotency key.
 */
public class ExecutorException extends Exception {

  private final boolean retryable;

  public ExecutorException(String message, boolean retryable) {
    super(message);
    this.retryable = retryable;
  }

  public ExecutorException(String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  public boolean retryable() {
    return retryable;
  }
}
