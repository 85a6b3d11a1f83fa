package io.warden.core.audit;

import java.nio.file.Path;
import java.util.Map;

/** Child-process main for {@link AuditLogKillIT}: appends forever, acking each durable entry. */
public final class AuditCrashWriter {
  private AuditCrashWriter() {}

  public static void main(String[] args) {
    AuditLog log = AuditLog.open(Path.of(args[0]));
    String padding = "y".repeat(300);
    while (true) {
      AuditEvent event = log.append("system", "crash.test", "t", Map.of("padding", padding));
      System.out.println("ack " + event.seq());
      System.out.flush();
    }
  }
}
