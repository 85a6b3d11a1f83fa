/**
 * The MCP gateway: external tools reach agents only through {@code /mcp} on port 8080 (Streamable
 * HTTP), under the agent's identity, its descriptor's {@code spec.tools}, policy, budgets and durable
 * human approval.
 *
 * <p>Contents: {@link io.warden.executors.mcp.McpGateway} (the endpoint; built with
 * {@link io.warden.executors.mcp.McpGatewayBuilder}), {@link io.warden.executors.mcp.McpServers}
 * (the {@code mcp/<server>.yaml} declarations and their change check),
 * {@link io.warden.executors.mcp.McpServer}, {@link io.warden.executors.mcp.McpTransport} (Streamable
 * HTTP or a supervised stdio command), {@link io.warden.executors.mcp.McpTool} and
 * {@link io.warden.executors.mcp.McpUpstreamStatus}.
 *
 * <p>The endpoint speaks MCP's JSON-RPC over Streamable HTTP on Vert.x itself: the official MCP Java
 * SDK (2.1.0) hosts servers only as jakarta servlets (or stdio), and Warden's port 8080 is Vert.x.
 * The SDK is Warden's client to upstream servers.
 */
@NullMarked
package io.warden.executors.mcp;

import org.jspecify.annotations.NullMarked;
