/**
 * The Vaadin console (port 8081). Empty until the console issue lands; see {@code DESIGN.md}.
 */
package io.warden.ui;
