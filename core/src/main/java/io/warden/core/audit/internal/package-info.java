/**
 * Internal: the file implementation of {@link io.warden.core.audit.AuditLog} and the entry codec
 * shared with {@link io.warden.core.audit.AuditVerifier}. This package is not public API; its
 * classes can change at any time. Use {@link io.warden.core.audit.AuditLog#open(java.nio.file.Path)}.
 *
 * <p>Contents: {@link io.warden.core.audit.internal.FileAuditLog} (append, group fsync, list),
 * {@link io.warden.core.audit.internal.AuditCodec} (canonical form, hash, line format),
 * {@link io.warden.core.audit.internal.LineReader} (positional line scanning).
 */
@NullMarked
package io.warden.core.audit.internal;

import org.jspecify.annotations.NullMarked;
