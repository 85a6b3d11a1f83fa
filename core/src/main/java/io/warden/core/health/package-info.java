/**
 * One health model for every component: {@link io.warden.core.health.Health} (state, message,
 * details) reported through {@link io.warden.core.health.HealthIndicator}. Components compute it on
 * their own threads; {@code /healthz}, {@code /metrics} and the console only read it.
 */
@NullMarked
package io.warden.core.health;

import org.jspecify.annotations.NullMarked;
