/**
 * The agent descriptor ({@code apiVersion: agent.os/v1}, {@code kind: Agent}) as the field writes it,
 * plus Warden's extensions under {@code spec}; its published JSON Schema; and the parser that turns
 * YAML into a validated {@link io.warden.core.descriptor.AgentDescriptor} or a list of located
 * {@link io.warden.core.Problem}s.
 *
 * <p>Contents: {@link io.warden.core.descriptor.AgentDescriptor},
 * {@link io.warden.core.descriptor.DescriptorParser}.
 */
package io.warden.core.descriptor;
