/**
 * Warden's policy plane over a real Open Policy Agent server: the engine that runs OPA as a
 * supervised sidecar (or talks to an external one), pushes main's policies and data to it, judges
 * change requests (admission), answers runtime decisions for the gateways (cached, fail-closed,
 * behind a circuit breaker) and keeps a durable, queryable decision log.
 *
 * <p>Contents: {@link io.warden.policy.PolicyEngine} (the facade packaging wires) and its
 * {@link io.warden.policy.PolicyEngineBuilder}; {@link io.warden.policy.EngineState};
 * {@link io.warden.policy.DecisionLog}, {@link io.warden.policy.DecisionQuery} and
 * {@link io.warden.policy.DecisionRecord}. The JSON documents exchanged with OPA are in
 * {@link io.warden.policy.api}; everything else is in the internal package.
 */
@NullMarked
package io.warden.policy;

import org.jspecify.annotations.NullMarked;
