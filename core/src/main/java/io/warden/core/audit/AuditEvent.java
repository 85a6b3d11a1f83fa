package io.warden.core.audit;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One audit entry.
 *
 * @param seq 1-based position in the log
 * @param time when it was appended
 * @param actor the principal's subject ({@code user:alice}, {@code agent:x}, {@code system})
 * @param action a dotted verb ({@code change.merge}, {@code credential.issue}, {@code auth.failure})
 * @param target what it acted on ({@code change/7}, {@code agent/x}), or ""
 * @param details extra facts; never secrets
 * @param prevHash hex SHA-256 of the previous entry's line ("" for the first)
 * @param hash hex SHA-256 of this entry's canonical form including {@code prevHash}
 */
public record AuditEvent(
    long seq, Instant time, String actor, String action, String target, Map<String, Object> details,
    String prevHash, String hash) {
  public AuditEvent {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(target, "target");
    details = details == null ? Map.of() : Map.copyOf(details);
    Objects.requireNonNull(prevHash, "prevHash");
    Objects.requireNonNull(hash, "hash");
  }
}
