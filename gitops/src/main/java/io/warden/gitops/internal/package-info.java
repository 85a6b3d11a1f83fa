/**
 * Internal helpers of the gitops module: path rules, YAML token locations, the JSON form of change
 * requests in the state store, the push hooks and the module's user-facing messages.
 *
 * <p>This package is internal: its classes are public only so sibling packages of this module can use
 * them. Its API is unstable and may change at any time; do not use it from other modules.
 */
@NullMarked
package io.warden.gitops.internal;

import org.jspecify.annotations.NullMarked;
