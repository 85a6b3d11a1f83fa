package io.warden.core.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.store.StateStore;
import io.warden.testing.ChildJvm;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class MvStateStoreKillIT {

  @TempDir Path dir;

  @Test
  @Timeout(120)
  void update_killedMidWrite_keepsEveryAcknowledgedUpdateWhole() throws Exception {
    Path file = dir.resolve("state.mv.db");
    long acked = ChildJvm.killAfterAcks(StateStoreCrashWriter.class, 300, file.toString());

    try (StateStore store = StateStore.open(file)) {
      Map<String, String> a = store.table("a");
      Map<String, String> b = store.table("b");
      long last = Long.parseLong(store.get("meta", "last").orElseThrow());
      // Every acknowledged update is there; an update in flight at the kill is all there or absent.
      assertThat(last).isGreaterThanOrEqualTo(acked);
      assertThat(a).hasSize((int) last);
      assertThat(b.keySet()).isEqualTo(a.keySet());
      assertThat(a).containsKey(String.format("%09d", acked));
    }
  }

  @Test
  @Timeout(180)
  void update_killedWhileCompactingAChurningStore_keepsEveryAcknowledgedUpdateAndStaysWritable() throws Exception {
    Path file = dir.resolve("state.mv.db");
    long acked = ChildJvm.killAfterAcks(StateStoreCrashWriter.class, 1_500, file.toString(), "churn");

    String lastKey;
    try (StateStore store = StateStore.open(file)) {
      long last = Long.parseLong(store.get("meta", "last").orElseThrow());
      assertThat(last).isGreaterThanOrEqualTo(acked);
      assertThat(store.table("a")).hasSize((int) last);
      assertThat(store.table("b").keySet()).isEqualTo(store.table("a").keySet());
      lastKey = String.format("%09d", last);
      String churned = String.format("%02d", lastKey.hashCode() % 50);
      assertThat(store.get("c", churned)).hasValueSatisfying(v -> assertThat(v).startsWith(last + "x"));
      // The recovered file takes more churn and a clean close (the close once tripped H2).
      for (int i = 0; i < 100; i++) {
        String v = i + "y".repeat(2_000);
        store.update(tx -> tx.put("c", "after", v));
      }
    }
    try (StateStore store = StateStore.open(file)) {
      assertThat(store.get("c", "after")).hasValueSatisfying(v -> assertThat(v).startsWith("99y"));
      assertThat(store.get("meta", "last")).contains(lastKey);
    }
  }
}
