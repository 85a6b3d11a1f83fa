package io.warden.tracestore.internal.otlp;

import io.warden.core.identity.Principal;

/**
 * Resolves a bearer secret from a client address to a principal; throws {@link
 * io.warden.core.WardenException} with code {@code unauthorized} when it is not valid, or {@code
 * too_many_requests} ({@link io.warden.core.identity.TooManyFailedAuthentications}) when it is not
 * valid and the address is over its failure budget. {@code IdentityService::authenticate} in
 * production, so failed authentications on the OTLP ports are throttled and audited like on 8080.
 *
 * <p>Internal: not public API.
 */
@FunctionalInterface
public interface Authenticator {
  Principal authenticate(String bearer, String source);
}
