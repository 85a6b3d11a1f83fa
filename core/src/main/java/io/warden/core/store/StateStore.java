package io.warden.core.store;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Named tables of string keys to string values (JSON by convention). Every write is atomic and
 * durable (synced to disk) when the call returns; a crash never leaves half of an
 * {@link #update(Consumer)} applied. Thread-safe.
 */
public interface StateStore extends AutoCloseable {

  Optional<String> get(String table, String key);

  /** A consistent copy of one table, sorted by key. */
  Map<String, String> table(String table);

  /**
   * Up to {@code limit} entries of one table whose keys are greater than {@code after} ("" for the
   * first) and start with {@code prefix}, in key order: a page of a large table without copying it.
   */
  default SortedMap<String, String> page(String table, String prefix, String after, int limit) {
    SortedMap<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e : table(table).entrySet()) {
      if (out.size() >= limit) {
        break;
      }
      if (e.getKey().startsWith(prefix) && e.getKey().compareTo(after) > 0) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /** Applies every write made through the transaction at once, then syncs. */
  void update(Consumer<Transaction> writes);

  default void put(String table, String key, String value) {
    update(tx -> tx.put(table, key, value));
  }

  @Override
  void close();

  /** Writes inside one {@link #update(Consumer)}. */
  interface Transaction {
    Optional<String> get(String table, String key);

    void put(String table, String key, String value);

    void remove(String table, String key);
  }

  /** Opens (creating if needed) the store file. */
  static StateStore open(Path file) {
    return io.warden.core.store.internal.MvStateStore.open(file);
  }
}
