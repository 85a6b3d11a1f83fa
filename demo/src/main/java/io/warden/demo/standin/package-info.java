/**
 * Stand-ins for the systems around Warden, speaking their real protocols on OS-chosen ports: a
 * model provider ({@link io.warden.demo.standin.ProviderStandIn}: OpenAI Chat Completions and
 * Responses, Anthropic Messages) and an ERP system behind MCP ({@link
 * io.warden.demo.standin.UpstreamMcpServer}: the official SDK's server on Jetty). The gateway
 * tests use them as their upstreams; {@code warden demo} runs them beside the appliance.
 */
@NullMarked
package io.warden.demo.standin;

import org.jspecify.annotations.NullMarked;
