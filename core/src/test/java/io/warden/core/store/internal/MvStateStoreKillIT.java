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
}
