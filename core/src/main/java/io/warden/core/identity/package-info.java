/**
 * Agent identity as a first-class primitive. Every agent in the inventory is a
 * {@link io.warden.core.identity.AgentPrincipal}; people are
 * {@link io.warden.core.identity.UserPrincipal}s with a {@link io.warden.core.identity.Role}.
 * Secrets are shown once and stored only as hashes; agents obtain short-lived signed tokens scoped to
 * a session or task ({@link io.warden.core.identity.TokenScope}), and may hand a narrower one to a
 * sub-agent, never a wider one.
 *
 * <p>Contents: {@link io.warden.core.identity.IdentityService} (the service),
 * {@link io.warden.core.identity.Principal} and its two kinds, {@link io.warden.core.identity.Role},
 * {@link io.warden.core.identity.TokenScope}, {@link io.warden.core.identity.ScopeNarrowing} (what a
 * minted token may allow, as a pure function), {@link io.warden.core.identity.IssuedSecret},
 * {@link io.warden.core.identity.Credentials} (the secret of an {@code Authorization} header), and
 * {@link io.warden.core.identity.FailedAuthentications} (what failed authentications cost per client
 * address: aggregated audit entries, 429 once over budget; shared by every port that takes a
 * credential).
 */
@NullMarked
package io.warden.core.identity;

import org.jspecify.annotations.NullMarked;
