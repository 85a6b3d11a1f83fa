package io.warden.policy.internal;

import io.warden.core.audit.AuditEvent;
import io.warden.core.audit.AuditLog;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory audit log for unit tests of what the engine writes (ITs use the real file log). */
final class RecordingAuditLog implements AuditLog {
  final List<AuditEvent> events = new CopyOnWriteArrayList<>();

  @Override
  public AuditEvent append(String actor, String action, String target, Map<String, ?> details) {
    AuditEvent e = new AuditEvent(events.size() + 1, Instant.now(), actor, action, target,
        Map.copyOf(details), "", "");
    events.add(e);
    return e;
  }

  @Override
  public List<AuditEvent> list(long afterSeq, int limit, String actionPrefix) {
    return events.stream().filter(e -> e.seq() > afterSeq && e.action().startsWith(actionPrefix)).limit(limit).toList();
  }

  List<String> actions() {
    return events.stream().map(AuditEvent::action).toList();
  }

  @Override
  public void close() {}
}
