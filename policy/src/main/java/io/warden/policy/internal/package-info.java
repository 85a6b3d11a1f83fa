/**
 * Internal: the pieces behind {@link io.warden.policy.PolicyEngine}. Not public API; classes here
 * can change at any time.
 *
 * <p>Contents: {@link io.warden.policy.internal.OpaClient} (OPA's REST API),
 * {@link io.warden.policy.internal.OpaSidecar} (the supervised {@code opa run --server} process),
 * {@link io.warden.policy.internal.OpaCli} ({@code opa check} / {@code opa test}),
 * {@link io.warden.policy.internal.PolicySync} (pushes main's bundle, all or nothing),
 * {@link io.warden.policy.internal.OpaAdmissionCheck}, {@link io.warden.policy.internal.OpaPolicyDecider},
 * {@link io.warden.policy.internal.EngineStatus} (breaker, availability, audit events),
 * {@link io.warden.policy.internal.MvDecisionLog} (group-committed MVStore file).
 */
@NullMarked
package io.warden.policy.internal;

import org.jspecify.annotations.NullMarked;
