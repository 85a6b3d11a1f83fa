/**
 * Executor {@code http}: drives an agent that runs as its own HTTP service (A2A JSON-RPC or plain
 * JSON), and the HTTP runtime client the {@code process} executor reuses.
 *
 * <ul>
 *   <li>{@link io.warden.executors.http.HttpAgentExecutor}: the executor.
 *   <li>{@link io.warden.executors.http.HttpAgentRuntime}: one runtime: configure, health, invoke.
 *   <li>{@link io.warden.executors.http.AgentHandoff}: the token, URLs and revision handed to agents.
 * </ul>
 */
@NullMarked
package io.warden.executors.http;

import org.jspecify.annotations.NullMarked;
