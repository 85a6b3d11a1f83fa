package io.warden.core.executor;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** Hands an executor a credential to give the agent it runs, so the agent calls Warden as itself. */
@FunctionalInterface
public interface AgentCredentials {

  /**
   * A scoped token for {@code agent}, valid for {@code ttl}, bound to {@code session} when not null.
   * Throws {@link ExecutorException} when the agent has no active credential to mint it from.
   */
  String tokenFor(String agent, @Nullable String session, Duration ttl) throws ExecutorException;
}
