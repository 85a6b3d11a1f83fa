package io.warden.tracestore.clickhouse;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Options of a {@link ClickHouseSpanStore}. Each setter checks its value at once; {@link #build()}
 * checks the URL and makes the store without contacting ClickHouse (an unreachable server at start
 * only makes {@link ClickHouseSpanStore#healthy()} false: ingest keeps spans in its write-ahead log).
 */
public final class ClickHouseSpanStoreBuilder {
  /** Days a span is kept ({@code trace_store.clickhouse.retention_days}). */
  public static final int DEFAULT_RETENTION_DAYS = 30;
  /** TCP connect timeout, milliseconds. */
  public static final long DEFAULT_CONNECT_TIMEOUT_MILLIS = 2_000;
  /** Socket read timeout of one statement, and its server-side {@code max_execution_time}, milliseconds. */
  public static final long DEFAULT_SOCKET_TIMEOUT_MILLIS = 30_000;
  /** Bound of one {@link ClickHouseSpanStore#healthy()} ping, milliseconds (the driver counts whole seconds). */
  public static final long DEFAULT_HEALTH_TIMEOUT_MILLIS = 1_000;
  /**
   * How long a successful round trip counts as a healthy ping, milliseconds: callers that ask
   * {@link ClickHouseSpanStore#healthy()} before every batch (or in an idle loop) cost no extra request.
   * Any failed call ends it at once.
   */
  public static final long DEFAULT_HEALTH_CACHE_MILLIS = 1_000;
  /** Spans per INSERT statement; larger writes are split. */
  public static final int DEFAULT_MAX_BATCH_SPANS = 5_000;

  private final String url;
  private String user = "";
  private String password = "";
  private int retentionDays = DEFAULT_RETENTION_DAYS;
  private Duration connectTimeout = Duration.ofMillis(DEFAULT_CONNECT_TIMEOUT_MILLIS);
  private Duration socketTimeout = Duration.ofMillis(DEFAULT_SOCKET_TIMEOUT_MILLIS);
  private Duration healthTimeout = Duration.ofMillis(DEFAULT_HEALTH_TIMEOUT_MILLIS);
  private Duration healthCache = Duration.ofMillis(DEFAULT_HEALTH_CACHE_MILLIS);
  private int maxBatchSpans = DEFAULT_MAX_BATCH_SPANS;

  ClickHouseSpanStoreBuilder(String url) {
    this.url = Objects.requireNonNull(url, "url").strip();
  }

  /** ClickHouse user; empty means the driver's default ({@code default}). */
  public ClickHouseSpanStoreBuilder setUser(String user) {
    this.user = Objects.requireNonNull(user, "user");
    return this;
  }

  /** ClickHouse password; never logged. */
  public ClickHouseSpanStoreBuilder setPassword(String password) {
    this.password = Objects.requireNonNull(password, "password");
    return this;
  }

  /** Days a span is kept after its start time; the table's {@code TTL ... DELETE}. */
  public ClickHouseSpanStoreBuilder setRetentionDays(int retentionDays) {
    if (retentionDays < 1 || retentionDays > 36_500) {
      throw new IllegalArgumentException(
          "trace_store.clickhouse.retention_days must be 1..36500, got " + retentionDays);
    }
    this.retentionDays = retentionDays;
    return this;
  }

  public ClickHouseSpanStoreBuilder setConnectTimeout(Duration timeout) {
    this.connectTimeout = positive(timeout, "connectTimeout");
    return this;
  }

  public ClickHouseSpanStoreBuilder setConnectTimeout(long timeout, TimeUnit unit) {
    return setConnectTimeout(Duration.ofNanos(unit.toNanos(timeout)));
  }

  public ClickHouseSpanStoreBuilder setSocketTimeout(Duration timeout) {
    this.socketTimeout = positive(timeout, "socketTimeout");
    return this;
  }

  public ClickHouseSpanStoreBuilder setSocketTimeout(long timeout, TimeUnit unit) {
    return setSocketTimeout(Duration.ofNanos(unit.toNanos(timeout)));
  }

  /** Bound of a health ping; rounded up to whole seconds, as the driver takes it. */
  public ClickHouseSpanStoreBuilder setHealthTimeout(Duration timeout) {
    this.healthTimeout = positive(timeout, "healthTimeout");
    return this;
  }

  /** See {@link #DEFAULT_HEALTH_CACHE_MILLIS}; zero pings on every {@link ClickHouseSpanStore#healthy()}. */
  public ClickHouseSpanStoreBuilder setHealthCache(Duration duration) {
    Objects.requireNonNull(duration, "healthCache");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("healthCache must not be negative, got " + duration);
    }
    this.healthCache = duration;
    return this;
  }

  public ClickHouseSpanStoreBuilder setMaxBatchSpans(int maxBatchSpans) {
    if (maxBatchSpans < 1) {
      throw new IllegalArgumentException("maxBatchSpans must be positive, got " + maxBatchSpans);
    }
    this.maxBatchSpans = maxBatchSpans;
    return this;
  }

  /**
   * Makes the store; no I/O happens here.
   *
   * @throws IllegalArgumentException when the URL is not a ClickHouse JDBC URL
   */
  public ClickHouseSpanStore build() {
    return new ClickHouseSpanStore(ClickHouseUrl.parse(url), user, password, retentionDays,
        connectTimeout, socketTimeout, healthTimeout, healthCache, maxBatchSpans);
  }

  private static Duration positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
    return d;
  }

  // Visible for testing
  int retentionDays() {
    return retentionDays;
  }
}
