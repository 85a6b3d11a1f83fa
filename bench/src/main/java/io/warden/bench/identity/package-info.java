/** Benchmarks of identity: what checking a credential or token costs, with JMH. */
@NullMarked
package io.warden.bench.identity;

import org.jspecify.annotations.NullMarked;
