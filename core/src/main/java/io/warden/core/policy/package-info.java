/**
 * The runtime policy SPI the execution plane calls for every model call and tool call.
 * Implemented by the policy module over a real OPA server; fails closed.
 */
@NullMarked
package io.warden.core.policy;

import org.jspecify.annotations.NullMarked;
