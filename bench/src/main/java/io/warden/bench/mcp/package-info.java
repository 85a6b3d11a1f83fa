/**
 * Benchmarks of the MCP gateway and the approvals behind it: the latency an allowed
 * {@code tools/call} gains through the gateway (1 and 100 concurrent SDK clients, against the same
 * upstream reached directly), and 100,000 pending approvals held at once (heap, disk, list, get and
 * decide latency).
 *
 * <p>Contents: {@link io.warden.bench.mcp.McpGatewayBench}, {@link io.warden.bench.mcp.PendingApprovalsBench}.
 */
@NullMarked
package io.warden.bench.mcp;

import org.jspecify.annotations.NullMarked;
