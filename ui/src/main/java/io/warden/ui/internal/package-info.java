/**
 * The console's pages and their helpers. Internal: Vaadin instantiates the {@code @Route} classes,
 * which find Warden's services in the servlet context ({@link io.warden.ui.internal.Services}) and the
 * signed-in user in the Vaadin session ({@link io.warden.ui.internal.SignedIn}). Not an API.
 */
@NullMarked
package io.warden.ui.internal;

import org.jspecify.annotations.NullMarked;
