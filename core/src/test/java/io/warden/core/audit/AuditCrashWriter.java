package io.warden.core.audit;

import java.nio.file.Path;
import java.util.Map;

/**
 * Child-process main for {@link AuditLogKillIT}: appends forever, acking each durable entry; an
 * optional second argument runs that many appending threads, so the kill lands mid-batch.
 */
public final class AuditCrashWriter {
  private AuditCrashWriter() {}

  public static void main(String[] args) {
    AuditLog log = AuditLog.open(Path.of(args[0]));
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    for (int t = 1; t < threads; t++) {
      Thread.ofPlatform().daemon().start(() -> appendForever(log));
    }
    appendForever(log);
  }

  private static void appendForever(AuditLog log) {
    String padding = "y".repeat(300);
    while (true) {
      AuditEvent event = log.append("system", "crash.test", "t", Map.of("padding", padding));
      synchronized (System.out) {
        System.out.println("ack " + event.seq());
        System.out.flush();
      }
    }
  }
}
