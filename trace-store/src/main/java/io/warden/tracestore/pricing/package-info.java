/**
 * Span pricing from {@code pricing.yaml} in the Warden repository: tokens per model revision,
 * external actions per tool, compute per agent-second.
 *
 * <p>Contents: {@link io.warden.tracestore.pricing.Pricing}.
 */
@NullMarked
package io.warden.tracestore.pricing;

import org.jspecify.annotations.NullMarked;
