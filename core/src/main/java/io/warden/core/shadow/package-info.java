/**
 * Shadow mode beside a human: what an agent in {@code spec.autonomy: shadow} would have done
 * (captured by the MCP gateway, never executed) is paired with what a human actually did, by a
 * correlation key, and the agreement is reported as evidence for a change of autonomy.
 *
 * <p>Contents: {@link io.warden.core.shadow.ShadowLedger} (the durable store and its pairing),
 * {@link io.warden.core.shadow.ShadowAction} (one captured or human action),
 * {@link io.warden.core.shadow.ShadowReport} (agreement for one agent),
 * {@link io.warden.core.shadow.ShadowEvidence} (the read side other modules depend on, e.g. policy
 * admission).
 *
 * <p>Model shadow runs ({@code spec.shadow}): the model gateway mirrors a sample of an agent's calls
 * to a candidate model and compares the answers; {@link io.warden.core.shadow.ModelShadowLedger}
 * keeps the pairs ({@link io.warden.core.shadow.ModelShadowRun}) and reports agreement per
 * candidate ({@link io.warden.core.shadow.ModelShadowReport}), read by admission through
 * {@link io.warden.core.shadow.ModelShadowEvidence} when a change moves {@code spec.model}.
 */
@NullMarked
package io.warden.core.shadow;

import org.jspecify.annotations.NullMarked;
