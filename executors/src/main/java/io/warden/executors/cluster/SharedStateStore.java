package io.warden.executors.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import io.warden.core.store.StateStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session router's store shared by the cluster: each table is a Hazelcast map
 * ({@code warden.<table>}, one synchronous backup on another member), read by every member, so a
 * survivor sees a dead member's parked sessions and idempotency records. Each write goes to this
 * node's local store first (durable, for a whole-cluster restart), then to the maps; the call
 * returns once both have it (a map write returns once its backup has it too).
 *
 * <p>Unlike the local store an update is not atomic across the maps: a node killed between two map
 * writes of one update leaves the first. The router writes the idempotency record and the session
 * in one update, so at worst a session's counters lag its last request.
 */
final class SharedStateStore implements StateStore {
  private static final Logger LOG = LoggerFactory.getLogger(SharedStateStore.class);

  private final StateStore local;
  private final HazelcastInstance hz;

  private SharedStateStore(StateStore local, HazelcastInstance hz) {
    this.local = local;
    this.hz = hz;
  }

  static SharedStateStore open(StateStore local, HazelcastInstance hz, List<String> tables) {
    SharedStateStore store = new SharedStateStore(local, hz);
    store.seedWhenFirst(tables);
    return store;
  }

  /**
   * The first member of a cluster (every map empty, no other member) loads its local store into the
   * maps, so sessions parked before a whole-cluster restart are found again.
   */
  private void seedWhenFirst(List<String> tables) {
    if (hz.getCluster().getMembers().size() > 1 || tables.stream().anyMatch(t -> !map(t).isEmpty())) {
      return;
    }
    long entries = 0;
    for (String t : tables) {
      Map<String, String> rows = local.table(t);
      if (!rows.isEmpty()) {
        map(t).putAll(rows);
        entries += rows.size();
      }
    }
    if (entries > 0) {
      LOG.info("first member of the cluster: loaded {} session store entries from this node's local store", entries);
    }
  }

  private IMap<String, String> map(String table) {
    return hz.getMap(WardenCluster.MAP_PREFIX + table);
  }

  @Override
  public Optional<String> get(String table, String key) {
    return Optional.ofNullable(map(table).get(key));
  }

  @Override
  public Map<String, String> table(String table) {
    return new TreeMap<>(map(table));
  }

  @Override
  public SortedMap<String, String> page(String table, String prefix, String after, int limit) {
    // Hazelcast maps are not sorted: the matching keys are found by a query on every member, then sorted here.
    Predicate<String, String> match = Predicates.greaterThan("__key", after);
    if (!prefix.isEmpty()) {
      match = Predicates.and(match, Predicates.greaterEqual("__key", prefix),
          Predicates.lessThan("__key", prefix + Character.MAX_VALUE));
    }
    TreeSet<String> keys = new TreeSet<>();
    for (String k : map(table).keySet(match)) {
      if (k.startsWith(prefix)) {
        keys.add(k);
        if (keys.size() > limit) {
          keys.pollLast();
        }
      }
    }
    SortedMap<String, String> out = new TreeMap<>(map(table).getAll(keys));
    return out;
  }

  @Override
  public void update(Consumer<Transaction> writes) {
    Staged staged = new Staged();
    writes.accept(staged);
    if (staged.changes.isEmpty()) {
      return;
    }
    local.update(tx -> staged.changes.forEach((table, rows) -> rows.forEach((key, value) -> {
      if (value.isPresent()) {
        tx.put(table, key, value.get());
      } else {
        tx.remove(table, key);
      }
    })));
    staged.changes.forEach((table, rows) -> {
      Map<String, String> puts = new HashMap<>();
      List<String> removes = new ArrayList<>();
      rows.forEach((key, value) -> {
        if (value.isPresent()) {
          puts.put(key, value.get());
        } else {
          removes.add(key);
        }
      });
      IMap<String, String> m = map(table);
      if (puts.size() == 1) {
        Map.Entry<String, String> only = puts.entrySet().iterator().next();
        m.set(only.getKey(), only.getValue());
      } else if (!puts.isEmpty()) {
        m.putAll(puts);
      }
      removes.forEach(m::delete);
    });
  }

  /** The writes of one update: the last value per key (empty: removed), read back by later reads in it. */
  private final class Staged implements Transaction {
    final Map<String, Map<String, Optional<String>>> changes = new LinkedHashMap<>();

    @Override
    public Optional<String> get(String table, String key) {
      Map<String, Optional<String>> rows = changes.get(table);
      if (rows != null && rows.containsKey(key)) {
        return rows.get(key);
      }
      return SharedStateStore.this.get(table, key);
    }

    @Override
    public void put(String table, String key, String value) {
      changes.computeIfAbsent(table, t -> new LinkedHashMap<>()).put(key, Optional.of(value));
    }

    @Override
    public void remove(String table, String key) {
      changes.computeIfAbsent(table, t -> new LinkedHashMap<>()).put(key, Optional.empty());
    }
  }

  /** Nothing: the local store is closed by whoever opened it, Hazelcast with the cluster's Vert.x. */
  @Override
  public void close() {}
}
