package io.warden.core.inventory;

import io.warden.core.descriptor.AgentDescriptor;

/**
 * An executor adapter: applies an agent's descriptor to the runtime that hosts it (pins the model
 * revision, sets scaling, starts shadow runs). Reconcile calls {@link #apply} for every agent whose
 * {@code spec.executor.type} equals {@link #type()}, and {@link #remove} for agents that left main.
 */
public interface AgentExecutor {

  /** The {@code spec.executor.type} this adapter handles; ASCII, lowercase. */
  String type();

  /** Applies the descriptor; throws with a message when the runtime refused or is unreachable. */
  void apply(AgentDescriptor descriptor) throws Exception;

  void remove(String agent) throws Exception;
}
