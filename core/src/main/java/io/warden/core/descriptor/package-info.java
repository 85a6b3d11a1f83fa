/**
 * The agent descriptor ({@code apiVersion: agent.os/v1}, {@code kind: Agent}) as the field writes it,
 * plus Warden's extensions under {@code spec}; its published JSON Schema; and the parser that turns
 * YAML into a validated {@link io.warden.core.descriptor.AgentDescriptor} or a list of located
 * {@link io.warden.core.Problem}s.
 *
 * <p>Contents:
 * <ul>
 *   <li>{@link io.warden.core.descriptor.AgentDescriptor}: the descriptor as records.
 *   <li>{@link io.warden.core.descriptor.DescriptorParser}: bytes to descriptor or problems
 *       (file:line:column, field, message); {@code schema()} is the published JSON Schema
 *       ({@code agent.schema.json} next to this package on the classpath).
 *   <li>{@link io.warden.core.descriptor.Names}: the DNS-label and tool-reference rules, for every
 *       module that names agents or tools.
 * </ul>
 * The field-by-field reference is {@code docs/agent-descriptor.md} at the repository root.
 */
@NullMarked
package io.warden.core.descriptor;

import org.jspecify.annotations.NullMarked;
