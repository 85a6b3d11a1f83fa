/**
 * The governance console on port 8081 ({@code console.port}): Vaadin with stock components only,
 * on embedded Jetty, inside Warden's own process. It reads and acts through the same service objects
 * the REST API uses (inventory, change requests, approvals, trace store, decision log, audit log,
 * health), with the same users, tokens and roles.
 *
 * <p>Contents: {@link io.warden.ui.Console} (the running server) and {@link io.warden.ui.ConsoleBuilder}.
 * The pages live in {@code io.warden.ui.internal}.
 */
@NullMarked
package io.warden.ui;

import org.jspecify.annotations.NullMarked;
