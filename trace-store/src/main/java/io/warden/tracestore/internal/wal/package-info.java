/**
 * Internal, not public API: durability. The group-commit
 * {@link io.warden.tracestore.internal.wal.WriteAheadLog} acknowledges a batch once it is fsynced;
 * one {@link io.warden.tracestore.internal.wal.StoreApplier} per span store moves entries into the
 * store in log order, only through the {@link io.warden.core.trace.SpanStore} SPI.
 */
@NullMarked
package io.warden.tracestore.internal.wal;

import org.jspecify.annotations.NullMarked;
