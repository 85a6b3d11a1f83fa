/**
 * The model gateway's call path: wire formats, stream relaying, metering and drift detection.
 *
 * <p>Internal: not public API; it can change at any time.
 */
@NullMarked
package io.warden.executors.gateway.internal;

import org.jspecify.annotations.NullMarked;
