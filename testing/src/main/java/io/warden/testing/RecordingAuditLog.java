package io.warden.testing;

import io.warden.core.audit.AuditEvent;
import io.warden.core.audit.AuditLog;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory audit log for unit tests of what a component writes (ITs use the real file log). */
public final class RecordingAuditLog implements AuditLog {
  private final List<AuditEvent> events = new CopyOnWriteArrayList<>();

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

  /** Every event appended so far, oldest first. */
  public List<AuditEvent> events() {
    return List.copyOf(events);
  }

  /** The actions appended so far, oldest first. */
  public List<String> actions() {
    return events.stream().map(AuditEvent::action).toList();
  }

  @Override
  public void close() {}
}
