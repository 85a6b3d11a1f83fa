/**
 * The {@code warden} command line (picocli): {@code run}, offline {@code validate} and
 * {@code audit verify}, and API clients for agents, changes, users and tokens.
 */
@NullMarked
package io.warden.packaging.cli;

import org.jspecify.annotations.NullMarked;
