/**
 * Configuration: one {@code warden.yaml} (the documented defaults live in the repository's own
 * {@code warden.yaml}, copied into the jar) with {@code WARDEN_*} environment overrides.
 */
@NullMarked
package io.warden.packaging.config;

import org.jspecify.annotations.NullMarked;
