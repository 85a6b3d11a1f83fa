package io.warden.tracestore.clickhouse;

import io.warden.core.trace.SpanStore;
import io.warden.tracestore.SpanStoreContractTest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ClickHouse store against the {@link SpanStore} contract, on the real engine (chDB behind
 * {@code chdb_http_server.py}, see {@link ClickHouseSpanStoreIT}); a database per store.
 */
@Timeout(120)
class ClickHouseSpanStoreContractIT extends SpanStoreContractTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();

  @TempDir static Path tmp;
  private static ChdbHttpServer server;
  private final Map<SpanStore, String> databases = new IdentityHashMap<>();

  @BeforeAll
  static void startEngine() {
    server = ChdbHttpServer.create(tmp.resolve("contract")).start();
  }

  @AfterAll
  static void stopEngine() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected SpanStore newStore() {
    String db = "contract_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    SpanStore store = ClickHouseSpanStore.builder(server.jdbcUrl(db)).setSocketTimeout(Duration.ofSeconds(20))
        .setRetentionDays((int) RETENTION.toDays()).build();
    databases.put(store, db);
    return store;
  }

  /** The engine's TTL drops expired spans when it merges: merge now. */
  @Override
  protected void expire(SpanStore store, Instant before) throws Exception {
    super.expire(store, before);
    String db = databases.get(store);
    try (Connection c = DriverManager.getConnection(server.jdbcUrl("default")); Statement st = c.createStatement()) {
      st.execute("OPTIMIZE TABLE " + db + ".spans_v1 FINAL");
    }
  }
}
