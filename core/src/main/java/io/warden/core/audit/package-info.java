/**
 * The audit log: an append-only file of JSON lines, each holding the SHA-256 of the previous entry,
 * fsynced before {@link io.warden.core.audit.AuditLog#append} returns.
 * {@link io.warden.core.audit.AuditVerifier} checks the chain offline and reports the first broken link.
 */
@NullMarked
package io.warden.core.audit;

import org.jspecify.annotations.NullMarked;
