package io.warden.core.store.internal;

import io.warden.core.store.StateStore;
import java.nio.file.Path;

/**
 * Child-process main for {@link MvStateStoreKillIT}: writes forever, acking each durable update.
 * With a second argument {@code churn}, every update also overwrites one of 50 keys of table
 * {@code c}, so most chunks die soon and compaction and free-space reuse run while the kill lands.
 */
public final class StateStoreCrashWriter {
  private StateStoreCrashWriter() {}

  public static void main(String[] args) {
    StateStore store = StateStore.open(Path.of(args[0]));
    boolean churn = args.length > 1 && args[1].equals("churn");
    String padding = "x".repeat(200);
    for (long i = 1; ; i++) {
      String key = String.format("%09d", i);
      String value = i + padding;
      store.update(tx -> {
        tx.put("a", key, value);
        tx.put("b", key, value);
        tx.put("meta", "last", key);
        if (churn) {
          tx.put("c", String.format("%02d", key.hashCode() % 50), value + "c".repeat(2_000));
        }
      });
      System.out.println("ack " + i);
      System.out.flush();
    }
  }
}
