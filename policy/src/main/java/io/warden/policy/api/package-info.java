/**
 * The JSON documents Warden exchanges with OPA, one record per document, named with a {@code V1}
 * suffix because policies in users' repositories depend on their shape: change them only by
 * adding fields. Field names on the wire are snake_case.
 *
 * <p>Contents: {@link io.warden.policy.api.AdmissionInputV1} ({@code input} of
 * {@code data.warden.admission}) and {@link io.warden.policy.api.AdmissionResultV1} (its result);
 * {@link io.warden.policy.api.RuntimeInputV1} ({@code input} of {@code data.warden.runtime.decision})
 * and {@link io.warden.policy.api.RuntimeDecisionV1}; {@link io.warden.policy.api.MainDataV1}, the
 * document pushed to {@code data.warden.main}.
 */
@NullMarked
package io.warden.policy.api;

import org.jspecify.annotations.NullMarked;
