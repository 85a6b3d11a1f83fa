/**
 * What the executors' public builders share: the wiring every gateway needs (Vert.x, identity,
 * inventory, budget, policy, audit, spans, clock) and its checks.
 *
 * <p>Internal: not public API; it can change at any time.
 */
@NullMarked
package io.warden.executors.internal;

import org.jspecify.annotations.NullMarked;
