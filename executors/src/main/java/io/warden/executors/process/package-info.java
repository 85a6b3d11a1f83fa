/**
 * Executor {@code process}: Warden launches an agent as a local process (a Python or Node script),
 * hands it its environment, supervises restarts with back-off and invokes it over HTTP with the
 * {@code http} executor's client.
 *
 * <ul>
 *   <li>{@link io.warden.executors.process.ProcessExecutor}: the executor.
 * </ul>
 */
@NullMarked
package io.warden.executors.process;

import org.jspecify.annotations.NullMarked;
