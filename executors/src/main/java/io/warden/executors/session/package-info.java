/**
 * The session router: {@code POST /api/v1/agents/{name}/invoke} ordered per session or tenant and
 * bounded per agent ({@code spec.scaling}), idempotent per {@code Idempotency-Key}, metered into the
 * budget ledger and traced; and suspendable sessions kept on disk ({@code spec.memory}).
 *
 * <p>Contents: {@link io.warden.executors.session.SessionRouters} (the entry point),
 * {@link io.warden.executors.session.SessionRouterBuilder}, {@link io.warden.executors.session.ComputePrice}
 * (how compute time is priced), {@link io.warden.executors.session.SessionOwnership} (which node
 * serves a session). See {@code executors/README.md}, section "Sessions and the router".
 */
@NullMarked
package io.warden.executors.session;

import org.jspecify.annotations.NullMarked;
