/**
 * The budget ledger on the {@link io.warden.core.store.StateStore}.
 *
 * <p>Internal: not public API; it can change at any time.
 */
@NullMarked
package io.warden.core.budget.internal;

import org.jspecify.annotations.NullMarked;
