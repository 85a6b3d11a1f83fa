/**
 * The HTTP API on port 8080: {@link io.warden.api.ApiServer} hosts {@code /api/v1/...},
 * the Git smart-HTTP endpoint, {@code /healthz} and {@code /metrics}. Each area of the API is an
 * {@link io.warden.api.ApiRoutes} that mounts its routes using the shared helpers in
 * {@link io.warden.api.Http} (authentication, roles, JSON, errors).
 *
 * <p>Contents: {@link io.warden.api.ApiServer}, {@link io.warden.api.Http}, {@link
 * io.warden.api.ErrorCode} (the stable error codes and their statuses), {@link
 * io.warden.api.JsonBody} (request bodies, read with the type each field must have), {@link
 * io.warden.api.HealthRoutes} and {@link io.warden.api.PolledHealth} ({@code /healthz} reads
 * component health, computed off the event loop), and one {@code *Routes} per area.
 */
@NullMarked
package io.warden.api;

import org.jspecify.annotations.NullMarked;
