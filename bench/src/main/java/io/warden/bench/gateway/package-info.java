/**
 * Benchmarks of the model gateway, against the provider stand-in of executors' tests (its test jar):
 * the latency the gateway adds over calling the stand-in directly, beside the LiteLLM proxy on the
 * same stand-in and load, and what routing and caching save on a replayed mixed workload.
 *
 * <p>Contents: {@link io.warden.bench.gateway.GatewayOverheadBench},
 * {@link io.warden.bench.gateway.RoutingSavingsBench}.
 */
@NullMarked
package io.warden.bench.gateway;

import org.jspecify.annotations.NullMarked;
