/**
 * The MCP gateway's call path: the JSON-RPC Streamable HTTP endpoint on Vert.x
 * ({@link io.warden.executors.mcp.internal.McpCalls}) and the SDK clients to upstream servers
 * ({@link io.warden.executors.mcp.internal.Upstreams}; stdio servers are supervised child processes,
 * {@code StdioUpstream}).
 *
 * <p>Internal: not public API, it can change at any time.
 */
@NullMarked
package io.warden.executors.mcp.internal;

import org.jspecify.annotations.NullMarked;
