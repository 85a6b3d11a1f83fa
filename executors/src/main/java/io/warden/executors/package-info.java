/**
 * Execution plane: the executor SPI adapters that drive existing agent runtimes, the model gateway
 * (pinning, shadow, routing, metering), the MCP gateway and the session router. Empty until the executor
 * issues land; see {@code DESIGN.md}.
 */
@NullMarked
package io.warden.executors;

import org.jspecify.annotations.NullMarked;
