/**
 * The Vaadin console (port 8081). Empty until the console issue lands; see {@code DESIGN.md}.
 */
@NullMarked
package io.warden.ui;

import org.jspecify.annotations.NullMarked;
