package io.warden.core.store.internal;

import io.warden.core.store.StateStore;
import java.nio.file.Path;

/** Child-process main for {@link MvStateStoreKillIT}: writes forever, acking each durable update. */
public final class StateStoreCrashWriter {
  private StateStoreCrashWriter() {}

  public static void main(String[] args) {
    StateStore store = StateStore.open(Path.of(args[0]));
    String padding = "x".repeat(200);
    for (long i = 1; ; i++) {
      String key = String.format("%09d", i);
      String value = i + padding;
      store.update(tx -> {
        tx.put("a", key, value);
        tx.put("b", key, value);
        tx.put("meta", "last", key);
      });
      System.out.println("ack " + i);
      System.out.flush();
    }
  }
}
