/**
 * The runnable appliance: {@link io.warden.packaging.Main} (the {@code warden} CLI, including
 * {@code warden run}) and {@link io.warden.packaging.Appliance}, the one place that wires every module
 * together. The only module that knows all the others.
 */
@NullMarked
package io.warden.packaging;

import org.jspecify.annotations.NullMarked;
