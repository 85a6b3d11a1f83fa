package io.warden.core.audit;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/** The append-only, hash-chained audit log. Thread-safe. */
public interface AuditLog extends AutoCloseable {

  /** Appends and fsyncs one entry; returns it once it is durable. */
  AuditEvent append(String actor, String action, String target, Map<String, ?> details);

  /** Entries with {@code seq > afterSeq}, oldest first, at most {@code limit}; optional action prefix filter. */
  List<AuditEvent> list(long afterSeq, int limit, String actionPrefix);

  @Override
  void close();

  /** Opens (creating if needed) the log file; a torn last line from a crash is cut off, with a warning. */
  static AuditLog open(Path file) {
    return open(file, Clock.systemUTC());
  }

  /** As {@link #open(Path)}, stamping entries with {@code clock}. */
  static AuditLog open(Path file, Clock clock) {
    return io.warden.core.audit.internal.FileAuditLog.open(file, clock);
  }
}
