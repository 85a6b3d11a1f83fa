package io.warden.executors.process;

import io.warden.core.executor.AgentExecutor;
import io.warden.core.executor.AgentExecutorProvider;
import io.warden.core.executor.ExecutorContext;

/** Registers {@link ProcessExecutor} for {@link java.util.ServiceLoader}. */
public final class ProcessExecutorProvider implements AgentExecutorProvider {

  @Override
  public String type() {
    return ProcessExecutor.TYPE;
  }

  @Override
  public AgentExecutor create(ExecutorContext context) {
    return ProcessExecutor.create(context);
  }
}
