package io.warden.executors.http;

import io.warden.core.executor.AgentExecutor;
import io.warden.core.executor.AgentExecutorProvider;
import io.warden.core.executor.ExecutorContext;

/** Registers {@link HttpAgentExecutor} for {@link java.util.ServiceLoader}. */
public final class HttpAgentExecutorProvider implements AgentExecutorProvider {

  @Override
  public String type() {
    return HttpAgentExecutor.TYPE;
  }

  @Override
  public AgentExecutor create(ExecutorContext context) {
    return HttpAgentExecutor.create(context);
  }
}
