/**
 * YAML read with the line and column of every key and value, so that whoever checks a file (the
 * descriptor schema, change checks, policies, pricing, settings) can say {@code file:line:col}.
 * The one located-YAML reader of Warden: modules do not walk YAML tokens themselves.
 *
 * <p>Contents: {@link io.warden.core.yaml.LocatedYaml} (read one document: tree, positions,
 * problems), {@link io.warden.core.yaml.FieldPath} (a path of keys and indexes).
 */
@NullMarked
package io.warden.core.yaml;

import org.jspecify.annotations.NullMarked;
