/** Benchmarks of the session router: a burst of sessions against a slow runtime, and many parked sessions. */
@NullMarked
package io.warden.bench.sessions;

import org.jspecify.annotations.NullMarked;
