/**
 * Internal: the H2 MVStore implementation of {@link io.warden.core.store.StateStore}. This package
 * is not public API; its classes can change at any time. Use
 * {@link io.warden.core.store.StateStore#open(java.nio.file.Path)}.
 *
 * <p>Contents: {@link io.warden.core.store.internal.MvStateStore}.
 */
@NullMarked
package io.warden.core.store.internal;

import org.jspecify.annotations.NullMarked;
