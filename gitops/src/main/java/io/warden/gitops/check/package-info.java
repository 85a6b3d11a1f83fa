/**
 * The checks gitops runs on every change request head, each a {@link io.warden.core.change.ChangeCheck}:
 * {@link io.warden.gitops.check.LayoutCheck} (paths and sizes), {@link io.warden.gitops.check.SchemaCheck}
 * (every changed descriptor parses, validates and is named after its file) and
 * {@link io.warden.gitops.check.CrossFileCheck} (duplicate agent names, delegates that do not exist).
 * Every problem is located as {@code file:line:column}.
 */
@NullMarked
package io.warden.gitops.check;

import org.jspecify.annotations.NullMarked;
