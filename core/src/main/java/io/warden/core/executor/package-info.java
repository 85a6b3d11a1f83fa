/**
 * The executor SPI: how Warden drives agent runtimes it does not replace. An {@link
 * io.warden.core.executor.AgentExecutor} per {@code spec.executor.type}, found through {@link
 * io.warden.core.executor.AgentExecutorProvider}; reconcile applies descriptor revisions to it and the
 * session router invokes it and parks and resumes its sessions.
 */
@NullMarked
package io.warden.core.executor;

import org.jspecify.annotations.NullMarked;
