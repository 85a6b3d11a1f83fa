/**
 * Warden's control-plane core: the domain model and the service-provider interfaces that the other
 * modules implement. It depends on no other Warden module.
 *
 * <p>Contents:
 * <ul>
 *   <li>{@link io.warden.core.Problem}: a located problem in user input (file:line:column, field).
 *   <li>{@code descriptor}: the {@code agent.os/v1} agent descriptor, its JSON Schema and parser.
 *   <li>{@code identity}: principals (users with roles, agents with credentials and scoped tokens).
 *   <li>{@code audit}: the append-only, hash-chained audit log.
 *   <li>{@code change}: change requests as seen by checks, and the {@code ChangeCheck} SPI.
 *   <li>{@code inventory}: the applied state of agents on {@code main}.
 *   <li>{@code policy}: the runtime {@code PolicyDecider} SPI.
 *   <li>{@code store}: the embedded durable key-value store for control-plane state.
 *   <li>{@code health}: the one health model every component reports.
 * </ul>
 */
@NullMarked
package io.warden.core;

import org.jspecify.annotations.NullMarked;
