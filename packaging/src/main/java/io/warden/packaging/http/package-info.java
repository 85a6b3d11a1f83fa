/**
 * The HTTP API on port 8080: {@link io.warden.packaging.http.ApiServer} hosts {@code /api/v1/...},
 * the Git smart-HTTP endpoint, {@code /healthz} and {@code /metrics}. Each area of the API is an
 * {@link io.warden.packaging.http.ApiRoutes} that mounts its routes using the shared helpers in
 * {@link io.warden.packaging.http.Http} (authentication, roles, JSON, errors).
 */
package io.warden.packaging.http;
