package io.warden.core.store;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
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
