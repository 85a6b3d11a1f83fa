/**
 * The session router's implementation. Internal: not public API, may change at any time.
 */
@NullMarked
package io.warden.executors.session.internal;

import org.jspecify.annotations.NullMarked;
