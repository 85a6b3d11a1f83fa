package io.warden.core.executor;

/**
 * Creates an {@link AgentExecutor}; listed in {@code META-INF/services/io.warden.core.executor.AgentExecutorProvider}
 * so the appliance finds every adapter on its class path.
 */
public interface AgentExecutorProvider {

  /** The {@code spec.executor.type} the created executor handles. */
  String type();

  AgentExecutor create(ExecutorContext context);
}
