/**
 * The HTTP API on port 8080: {@link io.warden.api.ApiServer} hosts {@code /api/v1/...},
 * the Git smart-HTTP endpoint, {@code /healthz} and {@code /metrics}. Each area of the API is an
 * {@link io.warden.api.ApiRoutes} that mounts its routes using the shared helpers in
 * {@link io.warden.api.Http} (authentication, roles, JSON, errors).
 */
@NullMarked
package io.warden.api;

import org.jspecify.annotations.NullMarked;
