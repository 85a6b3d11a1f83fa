/**
 * The session router's contract: how callers invoke an agent through Warden (ordered per session,
 * bounded per agent, idempotent per key) and how sessions are parked and resumed. The
 * implementation lives in {@code executors}; the HTTP API and the appliance see only this package.
 *
 * <p>Contents: {@link io.warden.core.session.SessionRouter} (the operations),
 * {@link io.warden.core.session.InvokeRequest} (one call), {@link io.warden.core.session.SessionInfo}
 * (a session as listed), {@link io.warden.core.session.SessionWait} (what a parked session waits
 * for), {@link io.warden.core.session.RouterBusyException} (a full queue: 429 with Retry-After).
 */
@NullMarked
package io.warden.core.session;

import org.jspecify.annotations.NullMarked;
