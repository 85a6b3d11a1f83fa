/**
 * Internal: the pieces {@link io.warden.core.identity.IdentityService} is built from. This package
 * is not public API; its classes can change at any time.
 *
 * <p>Contents: {@link io.warden.core.identity.internal.Secrets} (random ids and secrets, bearer
 * format, hashing), {@link io.warden.core.identity.internal.SigningKeyFile} (the HS256 key on disk),
 * {@link io.warden.core.identity.internal.AgentTokens} (minting and verifying scoped JWTs),
 * {@link io.warden.core.identity.internal.StoredUser} and
 * {@link io.warden.core.identity.internal.StoredCredential} (the JSON kept in the state store).
 */
@NullMarked
package io.warden.core.identity.internal;

import org.jspecify.annotations.NullMarked;
