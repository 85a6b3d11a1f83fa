/**
 * Internal to Warden: the machinery behind {@link io.warden.core.descriptor.DescriptorParser} (a YAML
 * reader that remembers where every key and value sits, and the translation of JSON-Schema errors into
 * located problems). Not a public API: it can change at any time, do not use it from other modules.
 */
@NullMarked
package io.warden.core.descriptor.internal;

import org.jspecify.annotations.NullMarked;
