package io.warden.tracestore.clickhouse;

import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spans in ClickHouse ({@code clickhouse-v1}), through the official JDBC driver over HTTP.
 *
 * <p>The table and its reasons are in {@link SpansTable}: {@code spans_v1}, a
 * {@code ReplacingMergeTree} partitioned by day, ordered by {@code (agent, start_time, trace_id,
 * span_id)}, with {@code TTL ... DELETE} retention. Writes are multi-row INSERTs of at most
 * {@link ClickHouseSpanStoreBuilder#setMaxBatchSpans} spans and idempotent on the span: a replayed
 * span collapses into the stored one, and every read uses {@code FINAL}. The database and the table
 * are created on first use (and again if they disappear), the retention is brought to the configured
 * days with {@code ALTER TABLE ... MODIFY TTL}.
 *
 * <p>Every call is bounded: connect and socket timeouts for statements, a short ping for
 * {@link #healthy()}, which never throws. ClickHouse down makes {@link #write} throw; the caller
 * (ingest) keeps the spans in its write-ahead log and retries when {@link #healthy()} is true again.
 *
 * <p>Thread-safe. Full-text search is Lucene's: {@link SpanQuery#text()} is ignored.
 */
public final class ClickHouseSpanStore implements SpanStore {
  /** Name with the schema version. */
  public static final String NAME = "clickhouse-v1";

  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseSpanStore.class);
  private static final String INSERT = "INSERT INTO " + SpansTable.NAME + " (" + SpansTable.INSERT_COLUMNS
      + ") VALUES (" + "?, ".repeat(SpansTable.INSERT_COLUMN_COUNT - 1) + "?)";
  /** {@link #costs} group keys and the column expression of each. */
  private static final Map<CostGroup, String> GROUP_KEYS = Map.of(
      CostGroup.AGENT, "agent",
      CostGroup.MODEL, "if(response_model != '', response_model, request_model)",
      CostGroup.TOOL, "tool_name",
      CostGroup.DAY, "toString(toDate(start_time))");

  private final ClickHouseUrl url;
  private final Properties properties;
  private final int retentionDays;
  private final int healthTimeoutSeconds;
  private final int maxBatchSpans;
  private final Object lock = new Object();
  private final Object schemaLock = new Object();
  private Connection connection; // guarded by lock
  private Connection bootstrapConnection; // guarded by lock; database "default", for pings and CREATE DATABASE
  private volatile boolean schemaReady;
  private volatile Boolean lastHealthy;
  private final long healthCacheNanos;
  /** {@link System#nanoTime()} of the last round trip that succeeded; 0 after any failure. */
  private volatile long lastSuccessNanos;
  private volatile boolean closed;

  ClickHouseSpanStore(ClickHouseUrl url, String user, String password, int retentionDays,
      Duration connectTimeout, Duration socketTimeout, Duration healthTimeout, Duration healthCache,
      int maxBatchSpans) {
    this.url = url;
    this.healthCacheNanos = healthCache.toNanos();
    this.retentionDays = retentionDays;
    this.healthTimeoutSeconds = (int) Math.max(1, (healthTimeout.toMillis() + 999) / 1000);
    this.maxBatchSpans = maxBatchSpans;
    Properties p = new Properties();
    if (!user.isEmpty()) {
      p.setProperty("user", user);
    }
    if (!password.isEmpty()) {
      p.setProperty("password", password);
    }
    p.setProperty("connection_timeout", Long.toString(connectTimeout.toMillis()));
    p.setProperty("socket_timeout", Long.toString(socketTimeout.toMillis()));
    // Waiting for a pooled HTTP connection is bounded too.
    p.setProperty("connection_request_timeout", Long.toString(connectTimeout.toMillis()));
    // The server gives up on a statement when the client would have.
    p.setProperty("clickhouse_setting_max_execution_time", Long.toString(Math.max(1, socketTimeout.toSeconds())));
    // One retry of a failed request at most: the write-ahead log is the real retry.
    p.setProperty("retry", "1");
    p.setProperty("client_name", "warden-trace-store");
    this.properties = p;
  }

  /** Options start from the JDBC URL ({@code trace_store.clickhouse.url}). */
  public static ClickHouseSpanStoreBuilder builder(String jdbcUrl) {
    return new ClickHouseSpanStoreBuilder(jdbcUrl);
  }

  /** A store with every default but the URL. */
  public static ClickHouseSpanStore create(String jdbcUrl) {
    return builder(jdbcUrl).build();
  }

  @Override
  public String name() {
    return NAME;
  }

  /** The configured URL with any password masked. */
  public String url() {
    return url.redacted();
  }

  /**
   * Creates the database and {@code spans_v1} if missing and sets the retention TTL to the configured
   * days. Idempotent; called by the first write, query or healthy ping, callable at start.
   */
  public void ensureSchema() throws SQLException {
    // Its own lock: a slow DDL must not hold up healthy() or the connection getters.
    synchronized (schemaLock) {
      if (!url.database().equals("default")) {
        try (Statement st = bootstrapConnection().createStatement()) {
          st.execute(SpansTable.createDatabase(url.database()));
        }
      }
      try (Statement st = connection().createStatement()) {
        st.execute(SpansTable.createTable(retentionDays));
        int current = -1;
        boolean managed = true;
        try (ResultSet rs = st.executeQuery(SpansTable.ENGINE)) {
          if (rs.next()) {
            // A table an operator made (a Distributed table over replicated shards) keeps its own TTL.
            managed = rs.getString(1).endsWith("MergeTree");
            current = SpansTable.retentionDaysOf(rs.getString(2));
          }
        }
        if (managed && current != retentionDays) {
          LOG.info("clickhouse span store {}: retention {} -> {} days", url.redacted(), current, retentionDays);
          st.execute(SpansTable.modifyTtl(retentionDays));
        }
      }
      schemaReady = true;
    }
  }

  @Override
  public void write(List<SpanRecord> spans) throws SQLException {
    Objects.requireNonNull(spans, "spans");
    if (spans.isEmpty()) {
      return;
    }
    ensureSchemaOnce();
    for (int from = 0; from < spans.size(); from += maxBatchSpans) {
      List<SpanRecord> batch = spans.subList(from, Math.min(spans.size(), from + maxBatchSpans));
      try (PreparedStatement ps = connection().prepareStatement(INSERT)) {
        for (SpanRecord span : batch) {
          SpanRows.bind(ps, span);
          ps.addBatch();
        }
        ps.executeBatch();
        succeeded();
      } catch (SQLException e) {
        failed(e);
        throw new SQLException("clickhouse span store " + url.redacted() + ": writing " + batch.size()
            + " spans failed: " + e.getMessage(), e.getSQLState(), e);
      }
    }
  }

  @Override
  public Page query(SpanQuery query) throws SQLException {
    Objects.requireNonNull(query, "query");
    PageCursor after = PageCursor.decode(query.cursor());
    StringBuilder where = new StringBuilder("1 = 1");
    List<Object> params = new ArrayList<>();
    equal(where, params, "agent", query.agent());
    if (present(query.model())) {
      where.append(" AND (request_model = ? OR response_model = ?)");
      params.add(query.model());
      params.add(query.model());
    }
    equal(where, params, "status", query.status());
    equal(where, params, "trace_id", query.traceId());
    equal(where, params, "logical_trace_id", query.logicalTraceId());
    timeRange(where, params, query.from(), query.to());
    if (query.minCostUsd() != null) {
      where.append(" AND cost_usd >= toDecimal128(?, 9)");
      params.add(query.minCostUsd().toPlainString());
    }
    if (after != null) {
      String t = SpanRows.dateTime64(after.startEpochNanos());
      where.append(" AND start_time <= toDateTime64(?, 9, 'UTC') AND (start_time < toDateTime64(?, 9, 'UTC')"
          + " OR (trace_id, span_id) < (?, ?))");
      params.add(t);
      params.add(t);
      params.add(after.traceId());
      params.add(after.spanId());
    }
    String sql = "SELECT " + SpansTable.SELECT_COLUMNS + " FROM " + SpansTable.NAME + " FINAL WHERE " + where
        + " ORDER BY start_time DESC, trace_id DESC, span_id DESC LIMIT " + (query.limit() + 1);
    List<SpanRecord> spans = new ArrayList<>();
    boolean more = false;
    try (ResultSet rs = select(sql, params)) {
      while (rs.next()) {
        if (spans.size() == query.limit()) {
          more = true;
          break;
        }
        spans.add(SpanRows.read(rs));
      }
    }
    String next = null;
    if (more) {
      SpanRecord last = spans.get(spans.size() - 1);
      next = new PageCursor(last.startEpochNanos(), last.traceId(), last.spanId()).encode();
    }
    return new Page(spans, next);
  }

  /**
   * Cost over [from, to) grouped by {@code agent}, {@code model} (the response model, else the
   * request model), {@code tool} or {@code day} (UTC, {@code yyyy-MM-dd}); spans without a model or
   * tool are the row with key "". Highest total first, then by key.
   */
  @Override
  public List<CostRow> costs(CostGroup group, Instant from, Instant to) throws SQLException {
    String key = GROUP_KEYS.get(Objects.requireNonNull(group, "group"));
    StringBuilder where = new StringBuilder("1 = 1");
    List<Object> params = new ArrayList<>();
    timeRange(where, params, from, to);
    String sql = "SELECT " + key + " AS k, sum(cost_tokens_usd) AS tokens, sum(cost_actions_usd) AS actions,"
        + " sum(cost_compute_usd) AS compute, sum(cost_usd) AS total, count() AS spans FROM " + SpansTable.NAME
        + " FINAL WHERE " + where + " GROUP BY k ORDER BY total DESC, k";
    List<CostRow> rows = new ArrayList<>();
    try (ResultSet rs = select(sql, params)) {
      while (rs.next()) {
        rows.add(new CostRow(rs.getString("k"), rs.getBigDecimal("tokens"), rs.getBigDecimal("actions"),
            rs.getBigDecimal("compute"), rs.getBigDecimal("total"), rs.getLong("spans")));
      }
    }
    return rows;
  }

  /**
   * True without a request while the last call succeeded less than the health cache ago; otherwise a
   * ping bounded by the health timeout (and, the first time it succeeds, the schema check). Never
   * throws; logs once per change of state.
   */
  @Override
  public boolean healthy() {
    long last = lastSuccessNanos;
    if (!closed && schemaReady && last != 0 && System.nanoTime() - last < healthCacheNanos) {
      return true;
    }
    boolean ok;
    Exception failure = null;
    try {
      // Pinged through "default": the configured database may not exist yet.
      ok = !closed && bootstrapConnection().isValid(healthTimeoutSeconds);
      if (ok && !schemaReady) {
        ensureSchema();
      }
      if (ok) {
        succeeded();
      } else {
        lastSuccessNanos = 0;
      }
    } catch (Exception | LinkageError e) {
      lastSuccessNanos = 0;
      ok = false;
      failure = e instanceof Exception ex ? ex : new RuntimeException(e);
    }
    Boolean previous = lastHealthy;
    if (previous == null || previous != ok) {
      lastHealthy = ok;
      if (ok) {
        LOG.info("clickhouse span store {} is reachable", url.redacted());
      } else if (failure != null) {
        LOG.warn("clickhouse span store {} is unhealthy: {}", url.redacted(), failure.toString());
      } else {
        LOG.warn("clickhouse span store {} does not answer its ping within {}s", url.redacted(),
            healthTimeoutSeconds);
      }
    }
    return ok;
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      closeQuietly(connection);
      if (bootstrapConnection != connection) {
        closeQuietly(bootstrapConnection);
      }
      connection = null;
      bootstrapConnection = null;
    }
  }

  private ResultSet select(String sql, List<Object> params) throws SQLException {
    ensureSchemaOnce();
    // The result set owns the statement: closing it (try-with-resources) closes both.
    PreparedStatement ps = connection().prepareStatement(sql);
    try {
      ps.closeOnCompletion();
      for (int i = 0; i < params.size(); i++) {
        ps.setObject(i + 1, params.get(i));
      }
      ResultSet rs = ps.executeQuery();
      succeeded(); // the driver has the whole response by now
      return rs;
    } catch (SQLException e) {
      ps.close();
      failed(e);
      throw e;
    }
  }

  private void ensureSchemaOnce() throws SQLException {
    if (!schemaReady) {
      ensureSchema();
    }
  }

  private void succeeded() {
    lastSuccessNanos = System.nanoTime();
  }

  /** Ends the healthy streak; a dropped table or database (or a server reset) is recreated next call. */
  private void failed(SQLException e) {
    lastSuccessNanos = 0;
    String message = String.valueOf(e.getMessage());
    if (message.contains("UNKNOWN_TABLE") || message.contains("UNKNOWN_DATABASE")) {
      schemaReady = false;
    }
  }

  // The driver's connections hold an HTTP client and its pool, no server state: they outlive a
  // server restart, so each is opened once (without I/O) and kept.
  private Connection connection() throws SQLException {
    synchronized (lock) {
      checkOpen();
      if (connection == null) {
        connection = DriverManager.getConnection(url.url(), properties);
      }
      return connection;
    }
  }

  private Connection bootstrapConnection() throws SQLException {
    synchronized (lock) {
      checkOpen();
      if (bootstrapConnection == null) {
        bootstrapConnection = url.database().equals("default")
            ? connection() : DriverManager.getConnection(url.bootstrapUrl(), properties);
      }
      return bootstrapConnection;
    }
  }

  private void checkOpen() throws SQLException {
    if (closed) {
      throw new SQLException("clickhouse span store " + url.redacted() + " is closed");
    }
  }

  private void closeQuietly(Connection c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (SQLException e) {
      LOG.warn("closing a clickhouse connection to {} failed", url.redacted(), e);
    }
  }

  private static void equal(StringBuilder where, List<Object> params, String column, String value) {
    if (present(value)) {
      where.append(" AND ").append(column).append(" = ?");
      params.add(value);
    }
  }

  private static void timeRange(StringBuilder where, List<Object> params, Instant from, Instant to) {
    if (from != null) {
      where.append(" AND start_time >= toDateTime64(?, 9, 'UTC')");
      params.add(SpanRows.dateTime64(nanos(from)));
    }
    if (to != null) {
      where.append(" AND start_time < toDateTime64(?, 9, 'UTC')");
      params.add(SpanRows.dateTime64(nanos(to)));
    }
  }

  private static long nanos(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
  }

  private static boolean present(String value) {
    return value != null && !value.isEmpty();
  }

  // Visible for testing
  static String insertSql() {
    return INSERT;
  }

  @Override
  public String toString() {
    return "ClickHouseSpanStore[" + url.redacted() + ", retentionDays=" + retentionDays + "]";
  }
}
