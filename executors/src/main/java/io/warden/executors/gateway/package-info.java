/**
 * The model gateway: an OpenAI- and Anthropic-compatible HTTP endpoint ({@code /v1/chat/completions},
 * {@code /v1/messages}, {@code /v1/models}) that agents' runtimes are pointed at. Every call is
 * authenticated as an agent, charged to the budget ledger, decided by policy, pinned to the exact
 * model snapshot the descriptor names, forwarded (streams pass through event by event), metered and
 * traced as a GenAI span in the agent's logical trace.
 *
 * <p>Contents: {@link io.warden.executors.gateway.ModelGateway} (built with
 * {@link io.warden.executors.gateway.ModelGatewayBuilder}, mounted on a Vert.x router),
 * {@link io.warden.executors.gateway.ModelCatalog} ({@code models.yaml}: which provider snapshot a
 * pinned revision means) and {@link io.warden.executors.gateway.UpstreamProvider}.
 */
@NullMarked
package io.warden.executors.gateway;

import org.jspecify.annotations.NullMarked;
