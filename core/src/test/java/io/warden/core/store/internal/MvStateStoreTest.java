package io.warden.core.store.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.store.StateStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class MvStateStoreTest {

  @TempDir Path dir;

  private StateStore open() {
    return StateStore.open(dir.resolve("sub/state.mv.db"));
  }

  @Test
  void put_thenGet_returnsValue() {
    try (StateStore store = open()) {
      store.put("users", "alice", "{\"role\":\"admin\"}");
      assertThat(store.get("users", "alice")).contains("{\"role\":\"admin\"}");
      assertThat(store.get("users", "bob")).isEmpty();
      assertThat(store.get("no-such-table", "x")).isEmpty();
      assertThat(store.table("no-such-table")).isEmpty();
    }
  }

  @Test
  void open_afterClose_findsEverything() {
    try (StateStore store = open()) {
      store.update(tx -> {
        tx.put("users", "alice", "1");
        tx.put("credentials", "c1", "2");
      });
    }
    try (StateStore store = open()) {
      assertThat(store.get("users", "alice")).contains("1");
      assertThat(store.get("credentials", "c1")).contains("2");
    }
  }

  @Test
  void table_returnsSortedUnmodifiableCopy() {
    try (StateStore store = open()) {
      store.update(tx -> {
        tx.put("t", "b", "2");
        tx.put("t", "c", "3");
        tx.put("t", "a", "1");
      });
      Map<String, String> copy = store.table("t");
      store.put("t", "d", "4");
      assertThat(copy).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"), Map.entry("c", "3"));
      assertThatThrownBy(() -> copy.put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }
  }

  @Test
  void page_readsKeysAfterAPoint_withinAPrefix_inOrder() {
    try (StateStore store = open()) {
      store.update(tx -> {
        for (String k : new String[] {"a/1", "a/2", "a/3", "b/1", "a/0", "c/9"}) {
          tx.put("t", k, "v" + k);
        }
      });
      assertThat(store.page("t", "a/", "", 2)).containsExactly(Map.entry("a/0", "va/0"), Map.entry("a/1", "va/1"));
      assertThat(store.page("t", "a/", "a/1", 10).keySet()).containsExactly("a/2", "a/3");
      assertThat(store.page("t", "", "a/3", 10).keySet()).containsExactly("b/1", "c/9");
      assertThat(store.page("t", "b/", "", 10).keySet()).containsExactly("b/1");
      assertThat(store.page("t", "d/", "", 10)).isEmpty();
      assertThat(store.page("missing", "", "", 10)).isEmpty();
    }
  }

  @Test
  void update_throwingHalfway_appliesNothing() {
    try (StateStore store = open()) {
      store.put("t", "kept", "old");
      assertThatThrownBy(() -> store.update(tx -> {
        tx.put("t", "kept", "new");
        tx.put("u", "other", "x");
        throw new IllegalStateException("boom");
      })).hasMessage("boom");
      assertThat(store.get("t", "kept")).contains("old");
      assertThat(store.table("u")).isEmpty();
    }
    try (StateStore store = open()) {
      assertThat(store.get("t", "kept")).contains("old");
      assertThat(store.get("u", "other")).isEmpty();
    }
  }

  @Test
  void transactionGet_seesOwnStagedWritesAndRemovals() {
    try (StateStore store = open()) {
      store.put("t", "a", "1");
      store.put("t", "b", "2");
      List<Object> seen = new ArrayList<>();
      store.update(tx -> {
        tx.put("t", "a", "10");
        tx.remove("t", "b");
        seen.add(tx.get("t", "a"));
        seen.add(tx.get("t", "b"));
        // Not visible outside the transaction before it commits.
        seen.add(store.get("t", "a"));
      });
      assertThat(seen).containsExactly(
          java.util.Optional.of("10"), java.util.Optional.empty(), java.util.Optional.of("1"));
      assertThat(store.table("t")).containsExactly(Map.entry("a", "10"));
    }
  }

  @Test
  void update_nested_isRefused() {
    try (StateStore store = open()) {
      assertThatThrownBy(() -> store.update(tx -> store.put("t", "a", "1")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("inside another update");
      assertThat(store.get("t", "a")).isEmpty();
    }
  }

  @Test
  void transaction_usedAfterUpdate_isRefused() {
    try (StateStore store = open()) {
      AtomicReference<StateStore.Transaction> leaked = new AtomicReference<>();
      store.update(leaked::set);
      assertThatThrownBy(() -> leaked.get().put("t", "a", "1"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("after its update() returned");
    }
  }

  @Test
  void put_nullValueOrBlankTable_isRefused() {
    try (StateStore store = open()) {
      assertThatThrownBy(() -> store.put("t", "a", null)).hasMessage("value");
      assertThatThrownBy(() -> store.put(" ", "a", "1")).hasMessage("table name must not be blank");
    }
  }

  @Test
  void open_whileOpen_failsWithClearMessage() {
    try (StateStore store = open()) {
      assertThatThrownBy(this::open)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is already open");
      assertThat(store.table("t")).isEmpty();
    }
  }

  @Test
  void get_afterClose_fails() {
    StateStore store = open();
    store.close();
    store.close();
    assertThatThrownBy(() -> store.get("t", "a")).hasMessageContaining("is closed");
  }

  @Test
  @Timeout(60)
  void update_concurrentReadModifyWrite_losesNoIncrement() throws Exception {
    int threads = 8;
    int perThread = 50;
    try (StateStore store = open(); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            String key = id + "-" + i;
            store.update(tx -> {
              long n = Long.parseLong(tx.get("counter", "n").orElse("0"));
              tx.put("counter", "n", Long.toString(n + 1));
              tx.put("log", key, Long.toString(n + 1));
            });
            // Readers never see the counter ahead of or behind the log.
            assertThat(store.get("counter", "n")).isPresent();
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      assertThat(store.get("counter", "n")).contains(Integer.toString(threads * perThread));
      assertThat(store.table("log")).hasSize(threads * perThread);
    }
  }

  @Test
  @Timeout(120)
  void manyUpdatesAndRemovals_keepTheFileWithinFourTimesTheLiveData() throws Exception {
    Path file = dir.resolve("growth/state.mv.db");
    int keys = 1_000;
    String value = "{\"payload\":\"" + "x".repeat(1_000) + "\"}";
    long[] peak = {0};
    try (StateStore store = StateStore.open(file)) {
      // One update per operation, as the approval and session tables write: each is its own fsynced commit.
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < keys; i++) {
          String key = String.format("key-%05d", i);
          String v = round + value;
          if (round == 2 && i % 2 == 0) {
            store.update(tx -> tx.remove("t", key));
          } else {
            store.update(tx -> tx.put("t", key, v));
          }
          if (i % 100 == 0) {
            peak[0] = Math.max(peak[0], java.nio.file.Files.size(file));
          }
        }
      }
      peak[0] = Math.max(peak[0], java.nio.file.Files.size(file));
      assertThat(store.table("t")).hasSize(keys / 2);
    }
    // Before the fix the file reached ~57 MB here (112 times the data) and kept it after close.
    long peakLive = (long) keys * (value.length() + 10);
    long live = peakLive / 2;
    long closed = java.nio.file.Files.size(file);
    System.out.printf("state store growth: live %,d B (peak %,d B), file peak while open %,d B, after close %,d B%n",
        live, peakLive, peak[0], closed);
    assertThat(peak[0]).as("peak file size while open, live data at most %,d B", peakLive).isLessThan(4 * peakLive);
    assertThat(closed).as("file size after close, live data at most %,d B", peakLive).isLessThan(4 * peakLive);
    try (StateStore store = StateStore.open(file)) {
      assertThat(store.table("t")).hasSize(keys / 2);
      assertThat(store.get("t", "key-00001")).contains("2" + value);
    }
  }
}
