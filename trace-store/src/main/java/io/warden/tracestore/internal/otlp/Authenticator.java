package io.warden.tracestore.internal.otlp;

import io.warden.core.identity.Principal;

/**
 * Resolves a bearer secret to a principal; throws {@link io.warden.core.WardenException} with code
 * {@code unauthorized} when it is not valid. {@code IdentityService::authenticate} in production.
 *
 * <p>Internal: not public API.
 */
@FunctionalInterface
public interface Authenticator {
  Principal authenticate(String bearer);
}
