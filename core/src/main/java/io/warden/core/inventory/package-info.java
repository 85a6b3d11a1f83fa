/**
 * The inventory: what {@code main} says each agent is, as last applied by the reconcile loop, with a
 * sync status per agent. {@link io.warden.core.inventory.MainBranchListener}s (policy sync, pricing)
 * are told when {@code main} moves; {@link io.warden.core.executor.AgentExecutor}s are the executor
 * adapters that reconcile drives.
 */
@NullMarked
package io.warden.core.inventory;

import org.jspecify.annotations.NullMarked;
