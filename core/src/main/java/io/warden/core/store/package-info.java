/**
 * The embedded, durable store for control-plane state that is not in Git (identity, change-request
 * metadata). Backed by H2's MVStore: a proven, crash-safe, copy-on-write file store.
 */
@NullMarked
package io.warden.core.store;

import org.jspecify.annotations.NullMarked;
