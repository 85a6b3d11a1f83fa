package io.warden.tracestore.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.warden.core.WardenException;
import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanStore.CostGroup;
import io.warden.core.trace.SpanStore.CostRow;
import io.warden.core.trace.SpanStore.Page;
import java.math.BigDecimal;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ClickHouseSpanStore} against the real ClickHouse engine (chDB 26.9) behind
 * {@code chdb_http_server.py}, through the unmodified JDBC driver. Every DDL statement and query the
 * store issues runs here. Each test works in a database of its own.
 */
@Timeout(value = 120)
class ClickHouseSpanStoreIT {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  /** A minute boundary an hour ago: recent enough for the 30-day TTL. */
  private static final Instant BASE = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofHours(1));

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
  void write_batch_readsBackEverySpanFieldForField() throws Exception {
    String db = database();
    List<SpanRecord> spans = List.of(
        span("a1", 1, "agent-a", "chat", 0).build(),
        span("a1", 2, "agent-a", "execute_tool", 1).toolName("mcp://gateway/sap-invoice-read")
            .text("arguments {\"id\": \"INV-1\"}\nquote ' backslash \\ tab \t nul-free unicode é 😀")
            .attributes(Map.of("gen_ai.tool.call.id", "call_1", "odd'key", "v\\al"))
            .links(List.of(hex32("b2") + ":" + hex16(9))).build(),
        span("a1", 3, "agent-b", "invoke_agent", 2).status("ERROR", "boom: it's broken")
            .delegation(List.of("agent-a", "agent-b")).build());
    try (ClickHouseSpanStore store = store(db).build()) {
      store.write(spans);
      Page page = store.query(query().traceId(hex32("a1")).limit(10).build());
      assertThat(page.nextCursor()).isNull();
      assertSameSpans(page.spans(), newestFirst(spans));
    }
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
  void write_spanOlderThanRetention_isDroppedByTheEngineTtl() throws Exception {
    String db = database();
    Instant old = BASE.minus(Duration.ofDays(40));
    try (ClickHouseSpanStore store = store(db).setRetentionDays(30).build()) {
      store.write(List.of(
          span("f1", 1, "agent-a", "chat", 0).start(old).build(),
          span("f1", 2, "agent-a", "chat", 0).build()));
      execute("OPTIMIZE TABLE " + db + ".spans_v1 FINAL");
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
  void query_eachFilter_returnsExactlyTheMatchingSpansNewestFirst() throws Exception {
    String db = database();
    List<SpanRecord> all = dataset();
    try (ClickHouseSpanStore store = store(db).build()) {
      store.write(all);
      Instant from = BASE.plusSeconds(10);
      Instant to = BASE.plusSeconds(30);
      BigDecimal minCost = new BigDecimal("0.050000000");
      Map<String, Q> cases = new TreeMap<>();
      cases.put("none", query());
      cases.put("agent", query().agent("agent-b"));
      cases.put("model (request or response)", query().model("claude-opus-4-7"));
      cases.put("status", query().status("ERROR"));
      cases.put("from/to", query().from(from).to(to));
      cases.put("min cost", query().minCostUsd(minCost));
      cases.put("trace id", query().traceId(hex32("t2")));
      cases.put("logical trace id", query().logicalTraceId(hex32("l1")));
      cases.put("all together", query().agent("agent-a").status("OK").from(BASE).to(BASE.plusSeconds(40))
          .minCostUsd(new BigDecimal("0.01")).logicalTraceId(hex32("l1")).text("ignored: lucene's job"));
      Map<String, Predicate<SpanRecord>> expect = Map.of(
          "none", s -> true,
          "agent", s -> s.agent().equals("agent-b"),
          "model (request or response)",
          s -> s.requestModel().equals("claude-opus-4-7") || s.responseModel().equals("claude-opus-4-7"),
          "status", s -> s.status().equals("ERROR"),
          "from/to", s -> !start(s).isBefore(from) && start(s).isBefore(to),
          "min cost", s -> s.costUsd().compareTo(minCost) >= 0,
          "trace id", s -> s.traceId().equals(hex32("t2")),
          "logical trace id", s -> s.logicalTraceId().equals(hex32("l1")),
          "all together", s -> s.agent().equals("agent-a") && s.status().equals("OK")
              && !start(s).isBefore(BASE) && start(s).isBefore(BASE.plusSeconds(40))
              && s.costUsd().compareTo(new BigDecimal("0.01")) >= 0 && s.logicalTraceId().equals(hex32("l1")));
      for (Map.Entry<String, Q> c : cases.entrySet()) {
        List<SpanRecord> want = newestFirst(all.stream().filter(expect.get(c.getKey())).toList());
        assertThat(want).as(c.getKey() + " selects something").isNotEmpty();
        if (!c.getKey().equals("none")) {
          assertThat(want).as(c.getKey() + " leaves something out").hasSizeLessThan(all.size());
        }
        assertThat(store.query(c.getValue().limit(1000).build()).spans())
            .as(c.getKey()).extracting(ClickHouseSpanStoreIT::key).containsExactlyElementsOf(keys(want));
      }
    }
  }

  @Test
  void query_pages_walkAllSpansNewestFirstWithoutGapsOrRepeats() throws Exception {
    String db = database();
    List<SpanRecord> all = new ArrayList<>(dataset());
    // Ties on start time are ordered by trace id, then span id.
    for (int i = 0; i < 5; i++) {
      all.add(span("t" + (9 - i), 100 + i, "agent-c", "chat", 25).build());
    }
    try (ClickHouseSpanStore store = store(db).build()) {
      store.write(all);
      List<SpanRecord> walked = new ArrayList<>();
      String cursor = null;
      int pages = 0;
      do {
        Page page = store.query(query().cursor(cursor).limit(7).build());
        assertThat(page.spans()).hasSizeLessThanOrEqualTo(7);
        walked.addAll(page.spans());
        cursor = page.nextCursor();
        pages++;
      } while (cursor != null && pages < 100);
      assertThat(walked).extracting(ClickHouseSpanStoreIT::key).containsExactlyElementsOf(keys(newestFirst(all)));
      assertThat(pages).isEqualTo((all.size() + 6) / 7);
    }
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

  @ParameterizedTest
  @ValueSource(strings = {"agent", "model", "tool", "day"})
  void costs_byEachGroup_sumTokensActionsAndComputePerKey(String groupBy) throws Exception {
    String db = database();
    List<SpanRecord> all = new ArrayList<>(dataset());
    all.add(span("t8", 50, "agent-a", "chat", 0).start(BASE.minus(Duration.ofDays(1))).cost("0.5").build());
    Instant from = BASE.minus(Duration.ofDays(2));
    Instant to = BASE.plusSeconds(45); // leaves the last spans out
    try (ClickHouseSpanStore store = store(db).build()) {
      store.write(all);
      Function<SpanRecord, String> keyOf = switch (groupBy) {
        case "agent" -> SpanRecord::agent;
        case "model" -> s -> s.responseModel().isEmpty() ? s.requestModel() : s.responseModel();
        case "tool" -> SpanRecord::toolName;
        default -> s -> LocalDate.ofInstant(start(s), ZoneOffset.UTC).toString();
      };
      Map<String, BigDecimal[]> expected = new TreeMap<>();
      for (SpanRecord s : all) {
        if (start(s).isBefore(from) || !start(s).isBefore(to)) {
          continue;
        }
        BigDecimal[] split = SpanRows.costSplit(s);
        BigDecimal[] sums = expected.computeIfAbsent(keyOf.apply(s), k -> new BigDecimal[] {
            BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
        sums[0] = sums[0].add(split[0]);
        sums[1] = sums[1].add(split[1]);
        sums[2] = sums[2].add(split[2]);
        sums[3] = sums[3].add(s.costUsd());
        sums[4] = sums[4].add(BigDecimal.ONE);
      }
      assertThat(expected).hasSizeGreaterThan(1);
      List<CostRow> rows = store.costs(CostGroup.parse(groupBy), from, to);
      assertThat(rows).extracting(CostRow::key).containsExactlyInAnyOrderElementsOf(expected.keySet());
      assertThat(rows).extracting(CostRow::totalUsd).isSortedAccordingTo(Comparator.<BigDecimal>reverseOrder());
      for (CostRow row : rows) {
        BigDecimal[] want = expected.get(row.key());
        assertThat(row.tokensUsd()).as(groupBy + " " + row.key() + " tokens").isEqualByComparingTo(want[0]);
        assertThat(row.actionsUsd()).as(groupBy + " " + row.key() + " actions").isEqualByComparingTo(want[1]);
        assertThat(row.computeUsd()).as(groupBy + " " + row.key() + " compute").isEqualByComparingTo(want[2]);
        assertThat(row.totalUsd()).as(groupBy + " " + row.key() + " total").isEqualByComparingTo(want[3]);
        assertThat(row.spans()).as(groupBy + " " + row.key() + " spans").isEqualTo(want[4].longValue());
      }
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

  /** 3 agents, 2 models, tools, errors, 3 traces in 2 logical traces, costs, one span per 5 s. */
  private static List<SpanRecord> dataset() {
    List<SpanRecord> out = new ArrayList<>();
    String[] agents = {"agent-a", "agent-b", "agent-a", "agent-c"};
    String[] ops = {"invoke_agent", "chat", "execute_tool", "chat"};
    for (int i = 0; i < 12; i++) {
      String op = ops[i % ops.length];
      SpanBuilder b = span("t" + (i % 3), i, agents[i % agents.length], op, i * 5)
          .logical(i % 3 == 2 ? "l2" : "l1")
          .cost(new BigDecimal(i).multiply(new BigDecimal("0.011")).toPlainString());
      if (op.equals("chat")) {
        b.models(i % 2 == 0 ? "gpt-4o" : "claude-opus-4-7", i % 4 == 1 ? "claude-opus-4-7" : "");
      }
      if (op.equals("execute_tool")) {
        b.toolName(i % 4 == 2 ? "mcp://gateway/ledger-read" : "mcp://gateway/email-draft");
      }
      if (i % 5 == 4) {
        b.status("ERROR", "failed " + i);
      }
      if (i == 7) {
        b.attributes(Map.of(SpanRows.TOKENS_USD_ATTRIBUTE, "0.02", SpanRows.ACTIONS_USD_ATTRIBUTE, "0.03",
            SpanRows.COMPUTE_USD_ATTRIBUTE, "0.027")); // 0.077 = 7 x 0.011, priced apart by ingest
      }
      out.add(b.build());
    }
    return out;
  }

  private static SpanBuilder span(String trace, int spanNo, String agent, String operation, int secondsAfterBase) {
    return new SpanBuilder(hex32(trace), hex16(spanNo), agent, operation, BASE.plusSeconds(secondsAfterBase));
  }

  static String hex32(String seed) {
    return String.format("%032x", Math.abs((long) seed.hashCode()) + 1);
  }

  static String hex16(int n) {
    return String.format("%016x", n + 1);
  }

  private static Instant start(SpanRecord s) {
    return Instant.ofEpochSecond(0, s.startEpochNanos());
  }

  private static String key(SpanRecord s) {
    return s.traceId() + "/" + s.spanId();
  }

  private static List<String> keys(List<SpanRecord> spans) {
    return spans.stream().map(ClickHouseSpanStoreIT::key).toList();
  }

  private static List<SpanRecord> newestFirst(List<SpanRecord> spans) {
    return spans.stream().sorted(Comparator.comparingLong(SpanRecord::startEpochNanos)
        .thenComparing(SpanRecord::traceId).thenComparing(SpanRecord::spanId).reversed()).toList();
  }

  /** Equal field for field; costs compare by value (ClickHouse returns them at scale 9). */
  private static void assertSameSpans(List<SpanRecord> actual, List<SpanRecord> expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i)).usingRecursiveComparison()
          .withComparatorForType(BigDecimal::compareTo, BigDecimal.class)
          .isEqualTo(expected.get(i));
    }
  }

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

  private static Q query() {
    return new Q();
  }

  /** Builds a {@link SpanQuery}; unset fields are null. */
  static final class Q {
    private String text;
    private String agent;
    private String model;
    private String status;
    private Instant from;
    private Instant to;
    private BigDecimal minCostUsd;
    private String traceId;
    private String logicalTraceId;
    private String cursor;
    private int limit = 100;

    Q text(String v) { text = v; return this; }
    Q agent(String v) { agent = v; return this; }
    Q model(String v) { model = v; return this; }
    Q status(String v) { status = v; return this; }
    Q from(Instant v) { from = v; return this; }
    Q to(Instant v) { to = v; return this; }
    Q minCostUsd(BigDecimal v) { minCostUsd = v; return this; }
    Q traceId(String v) { traceId = v; return this; }
    Q logicalTraceId(String v) { logicalTraceId = v; return this; }
    Q cursor(String v) { cursor = v; return this; }
    Q limit(int v) { limit = v; return this; }

    SpanQuery build() {
      return new SpanQuery(text, agent, model, status, from, to, minCostUsd, traceId, logicalTraceId, cursor, limit);
    }
  }

  /** A valid {@link SpanRecord} with overridable fields. */
  static final class SpanBuilder {
    private final String traceId;
    private final String spanId;
    private final String agent;
    private final String operation;
    private Instant start;
    private String logicalTraceId;
    private String status = "OK";
    private String statusMessage = "";
    private String requestModel = "";
    private String responseModel = "";
    private String toolName = "";
    private List<String> delegation = List.of();
    private BigDecimal cost = new BigDecimal("0.001234567");
    private String text = "prompt and completion text";
    private Map<String, String> attributes = Map.of();
    private List<String> links = List.of();

    SpanBuilder(String traceId, String spanId, String agent, String operation, Instant start) {
      this.traceId = traceId;
      this.spanId = spanId;
      this.agent = agent;
      this.operation = operation;
      this.start = start;
      this.logicalTraceId = traceId;
    }

    SpanBuilder start(Instant v) { start = v; return this; }
    SpanBuilder logical(String seed) { logicalTraceId = hex32(seed); return this; }
    SpanBuilder status(String s, String message) { status = s; statusMessage = message; return this; }
    SpanBuilder models(String request, String response) { requestModel = request; responseModel = response; return this; }
    SpanBuilder toolName(String v) { toolName = v; return this; }
    SpanBuilder delegation(List<String> v) { delegation = v; return this; }
    SpanBuilder cost(String usd) { cost = new BigDecimal(usd); return this; }
    SpanBuilder text(String v) { text = v; return this; }
    SpanBuilder attributes(Map<String, String> v) { attributes = v; return this; }
    SpanBuilder links(List<String> v) { links = v; return this; }

    SpanRecord build() {
      long startNanos = start.getEpochSecond() * 1_000_000_000L + start.getNano() + 123_456_789L;
      return new SpanRecord(traceId, spanId, "", logicalTraceId, operation + " " + agent, "svc-" + agent, agent,
          operation, startNanos, startNanos + 2_500_000_000L, status, statusMessage, requestModel,
          responseModel, 120, 45, 20, toolName, "conv-1", "reconcile invoice INV-1", delegation, cost, text,
          attributes, links);
    }
  }
}
