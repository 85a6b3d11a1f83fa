/**
 * Benchmarks of the policy engine: runtime decision latency through Warden (cached and uncached)
 * beside a raw OPA REST call, measured in one run against one real OPA sidecar.
 *
 * <p>Contents: {@link io.warden.bench.policy.PolicyDecisionBench}.
 */
@NullMarked
package io.warden.bench.policy;

import org.jspecify.annotations.NullMarked;
