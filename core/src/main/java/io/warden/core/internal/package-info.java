/**
 * Internal: small helpers shared by core's internal packages. Not public API; its classes can
 * change at any time.
 *
 * <p>Contents: {@link io.warden.core.internal.Durability} (directory fsync).
 */
@NullMarked
package io.warden.core.internal;

import org.jspecify.annotations.NullMarked;
