package io.warden.tracestore.clickhouse;

import static io.warden.tracestore.SpanFixtures.BASE;
import static io.warden.tracestore.SpanFixtures.hex16;
import static io.warden.tracestore.SpanFixtures.query;
import static io.warden.tracestore.SpanFixtures.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.warden.core.WardenException;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanStore.CostGroup;
import io.warden.core.trace.SpanStore.CostRow;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What is ClickHouse's own in {@link ClickHouseSpanStore} (schema, TTL, partitions, duplicates until
 * a merge, concurrency, outages; the {@code SpanStore} contract is {@link ClickHouseSpanStoreContractIT})
 * against the real ClickHouse engine (chDB 26.9) behind
 * {@code chdb_http_server.py}, through the unmodified JDBC driver. Every DDL statement and query the
 * store issues runs here. Each test works in a database of its own.
 */
@Timeout(value = 120)
class ClickHouseSpanStoreIT {
  private static final AtomicInteger DATABASES = new AtomicInteger();

  @TempDir static Path tmp;
  private static ChdbHttpServer server;

  @BeforeAll
  static void startEngine() {
    server = ChdbHttpServer.create(tmp.resolve("shared")).start();
  }

  @AfterAll
  static void stopEngine() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void ensureSchema_twice_createsOneVersionedTableWithDayPartitionsAndTtl() throws Exception {
    String db = database();
    try (ClickHouseSpanStore store = store(db).build()) {
      store.ensureSchema();
      store.ensureSchema();
      assertThat(store.name()).isEqualTo("clickhouse-v1");
      String ddl = scalar("SHOW CREATE TABLE " + db + ".spans_v1");
      assertThat(ddl)
          .contains("ENGINE = ReplacingMergeTree(ingested_at)")
          .contains("PARTITION BY toYYYYMMDD(start_time)")
          .contains("ORDER BY (agent, start_time, trace_id, span_id)")
          .contains("TTL toDateTime(start_time) + toIntervalDay(30)")
          .contains("ttl_only_drop_parts = 1")
          .contains("INDEX idx_trace_id trace_id TYPE bloom_filter")
          .contains("COMMENT 'warden clickhouse-v1 span store'");
      assertThat(scalar("SELECT count() FROM system.tables WHERE database = '" + db + "'")).isEqualTo("1");
    }
  }

  @Test
  void ensureSchema_retentionChanged_altersTheTtl() throws Exception {
    String db = database();
    try (ClickHouseSpanStore store = store(db).setRetentionDays(30).build()) {
      store.ensureSchema();
    }
    try (ClickHouseSpanStore store = store(db).setRetentionDays(7).build()) {
      store.ensureSchema();
    }
    assertThat(scalar("SHOW CREATE TABLE " + db + ".spans_v1"))
        .contains("TTL toDateTime(start_time) + toIntervalDay(7)")
        .doesNotContain("toIntervalDay(30)");
  }

  @Test
  void write_sameSpansTwice_isStoredOnce() throws Exception {
    String db = database();
    List<SpanRecord> spans = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      spans.add(span("d1", i, "agent-a", "chat", i).build());
    }
    try (ClickHouseSpanStore store = store(db).build()) {
      store.write(spans);
      store.write(spans); // a write-ahead-log replay
      store.write(List.of(spans.get(0), spans.get(0))); // and a duplicate inside one batch
      assertThat(store.query(query().limit(1000).build()).spans()).hasSize(20);
      assertThat(store.costs(CostGroup.AGENT, null, null)).singleElement()
          .satisfies(r -> assertThat(r.spans()).isEqualTo(20));
      // Duplicates exist until a merge; the engine's merge collapses them for good.
      assertThat(Long.parseLong(scalar("SELECT count() FROM " + db + ".spans_v1"))).isGreaterThan(20);
      execute("OPTIMIZE TABLE " + db + ".spans_v1 FINAL");
      assertThat(scalar("SELECT count() FROM " + db + ".spans_v1")).isEqualTo("20");
    }
  }

  @Test
  void write_largeBatch_isSplitIntoStatementsAndKeptWhole() throws Exception {
    String db = database();
    List<SpanRecord> spans = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      spans.add(span("e" + (i % 7), i, "agent-" + (i % 3), "chat", i).build());
    }
    try (ClickHouseSpanStore store = store(db).setMaxBatchSpans(100).build()) {
      store.write(spans);
      assertThat(store.query(query().limit(1000).build()).spans()).hasSize(250);
    }
  }

  @Test
  void write_concurrentWritersAndReaders_shareOneStore() throws Exception {
    String db = database();
    try (ClickHouseSpanStore store = store(db).build();
        ExecutorService pool = Executors.newFixedThreadPool(4)) {
      store.ensureSchema();
      List<Future<?>> jobs = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int writer = w;
        jobs.add(pool.submit(() -> {
          for (int b = 0; b < 5; b++) {
            List<SpanRecord> batch = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
              batch.add(span("k" + writer, b * 10 + i, "agent-" + writer, "chat", b * 10 + i).build());
            }
            store.write(batch);
            store.query(query().agent("agent-" + writer).limit(5).build());
          }
          return null;
        }));
      }
      for (var job : jobs) {
        job.get(60, TimeUnit.SECONDS);
      }
      assertThat(store.costs(CostGroup.AGENT, null, null)).extracting(CostRow::key, CostRow::spans)
          .containsExactly(tuple("agent-0", 50L),
              tuple("agent-1", 50L),
              tuple("agent-2", 50L),
              tuple("agent-3", 50L));
    }
  }

  @Test
  void write_afterTheTableWasDropped_failsOnceThenRecreatesIt() throws Exception {
    String db = database();
    try (ClickHouseSpanStore store = store(db).build()) {
      store.write(List.of(span("m1", 1, "agent-a", "chat", 0).build()));
      execute("DROP TABLE " + db + ".spans_v1");
      SpanRecord next = span("m1", 2, "agent-a", "chat", 1).build();
      assertThatThrownBy(() -> store.write(List.of(next)))
          .isInstanceOf(SQLException.class).hasMessageContaining("UNKNOWN_TABLE");
      store.write(List.of(next)); // the write-ahead log's retry
      assertThat(store.query(query().limit(10).build()).spans())
          .extracting(SpanRecord::spanId).containsExactly(hex16(2));
    }
  }

  @Test
  void write_spansOverThreeDays_landInOnePartitionPerDay() throws Exception {
    String db = database();
    List<SpanRecord> spans = List.of(
        span("g1", 1, "agent-a", "chat", 0).start(BASE.minus(Duration.ofDays(2))).build(),
        span("g1", 2, "agent-a", "chat", 0).start(BASE.minus(Duration.ofDays(1))).build(),
        span("g1", 3, "agent-a", "chat", 0).build(),
        span("g1", 4, "agent-b", "chat", 1).build());
    try (ClickHouseSpanStore store = store(db).build()) {
      store.write(spans);
    }
    DateTimeFormatter yyyymmdd = DateTimeFormatter.BASIC_ISO_DATE;
    TreeSet<String> expected = spans.stream()
        .map(s -> LocalDate.ofInstant(Instant.ofEpochSecond(0, s.startEpochNanos()), ZoneOffset.UTC).format(yyyymmdd))
        .collect(Collectors.toCollection(TreeSet::new));
    assertThat(expected).hasSize(3);
    assertThat(column("SELECT DISTINCT partition_id FROM system.parts WHERE database = '" + db
        + "' AND table = 'spans_v1' AND active ORDER BY partition_id")).containsExactlyElementsOf(expected);
  }

  @Test
  void query_foreignCursor_isRefusedNamingTheFix() throws Exception {
    try (ClickHouseSpanStore store = store(database()).build()) {
      assertThatThrownBy(() -> store.query(query().cursor("bm90LWEtY3Vyc29y").limit(5).build()))
          .isInstanceOf(WardenException.class)
          .hasMessageContaining("cursor 'bm90LWEtY3Vyc29y' is not a cursor of the clickhouse-v1 span store")
          .hasMessageContaining("nextCursor of the previous page");
    }
  }

  @Test
  void healthy_serverKilled_falseQuicklyAndWritesFail_thenRestartedHealthyWithDataKept() throws Exception {
    try (ChdbHttpServer own = ChdbHttpServer.create(tmp.resolve("restart")).start();
        ClickHouseSpanStore store = ClickHouseSpanStore.builder(own.jdbcUrl("warden"))
            .setConnectTimeout(Duration.ofSeconds(1)).setSocketTimeout(Duration.ofSeconds(5)).build()) {
      assertThat(store.healthy()).isTrue();
      SpanRecord before = span("h1", 1, "agent-a", "chat", 0).build();
      store.write(List.of(before));

      own.kill();
      await("healthy() false after the kill").atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
          .until(() -> !store.healthy());
      long t0 = System.nanoTime();
      assertThat(store.healthy()).isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
      SpanRecord during = span("h1", 2, "agent-a", "chat", 1).build();
      t0 = System.nanoTime();
      assertThatThrownBy(() -> store.write(List.of(during)))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("writing 1 spans failed");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));

      own.start();
      await().atMost(Duration.ofSeconds(10)).until(store::healthy);
      store.write(List.of(during)); // what ingest's write-ahead log replays
      assertThat(store.query(query().limit(10).build()).spans())
          .extracting(SpanRecord::spanId).containsExactly(hex16(2), hex16(1));
    }
  }

  @Test
  void healthy_recentSuccess_answersWithoutARequestUntilACallFails() throws Exception {
    try (ChdbHttpServer own = ChdbHttpServer.create(tmp.resolve("cache")).start();
        ClickHouseSpanStore store = ClickHouseSpanStore.builder(own.jdbcUrl("warden"))
            .setHealthCache(Duration.ofSeconds(30)).setConnectTimeout(Duration.ofSeconds(1)).build()) {
      store.write(List.of(span("n1", 1, "agent-a", "chat", 0).build()));
      own.kill();
      assertThat(store.healthy()).as("answered from the last success, no request").isTrue();
      assertThatThrownBy(() -> store.write(List.of(span("n1", 2, "agent-a", "chat", 1).build())))
          .isInstanceOf(SQLException.class);
      assertThat(store.healthy()).as("the failed write ended the healthy streak").isFalse();
    }
  }

  @Test
  void healthy_serverHung_falseWithinTheHealthTimeoutAndWritesTimeOut() throws Exception {
    try (ChdbHttpServer own = ChdbHttpServer.create(tmp.resolve("hung")).start();
        ClickHouseSpanStore store = ClickHouseSpanStore.builder(own.jdbcUrl("warden"))
            .setConnectTimeout(Duration.ofSeconds(1)).setSocketTimeout(Duration.ofSeconds(2))
            .setHealthTimeout(Duration.ofSeconds(1)).setHealthCache(Duration.ZERO).build()) {
      assertThat(store.healthy()).isTrue();
      own.freeze(true);
      try {
        long t0 = System.nanoTime();
        assertThat(store.healthy()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        t0 = System.nanoTime();
        assertThatThrownBy(() -> store.write(List.of(span("i1", 1, "agent-a", "chat", 0).build())))
            .isInstanceOf(SQLException.class);
        // Socket timeout 2 s, one retry: bounded well below a minute.
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
      } finally {
        own.freeze(false);
      }
      await().atMost(Duration.ofSeconds(10)).until(store::healthy);
    }
  }

  @Test
  void healthy_nothingListening_falseAndBuildNeverTouchesTheNetwork() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    try (ClickHouseSpanStore store = ClickHouseSpanStore.builder("jdbc:clickhouse://127.0.0.1:" + port + "/warden")
        .setConnectTimeout(Duration.ofMillis(500)).build()) {
      long t0 = System.nanoTime();
      assertThat(store.healthy()).isFalse();
      assertThatThrownBy(() -> store.write(List.of(span("j1", 1, "agent-a", "chat", 0).build())))
          .isInstanceOf(SQLException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static String database() {
    return "it_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
  }

  private static ClickHouseSpanStoreBuilder store(String db) {
    return ClickHouseSpanStore.builder(server.jdbcUrl(db)).setSocketTimeout(Duration.ofSeconds(20));
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(server.jdbcUrl("default"));
  }

  private static void execute(String sql) throws SQLException {
    try (Connection c = connect(); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private static String scalar(String sql) throws SQLException {
    List<String> values = column(sql);
    assertThat(values).as(sql).hasSize(1);
    return values.get(0);
  }

  private static List<String> column(String sql) throws SQLException {
    try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    }
  }
}
