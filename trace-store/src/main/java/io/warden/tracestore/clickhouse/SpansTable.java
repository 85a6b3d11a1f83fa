package io.warden.tracestore.clickhouse;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The DDL of the {@code clickhouse-v1} schema. The version is in the table name: a later schema gets a
 * new table ({@code spans_v2}) and a migration, never an in-place change of this one.
 *
 * <p>Why this shape:
 * <ul>
 *   <li>{@code ReplacingMergeTree(ingested_at)} keyed by {@code (agent, start_time, trace_id,
 *       span_id)}: a span replayed from the write-ahead log is the same row and collapses in merges;
 *       reads use {@code FINAL} so a duplicate not merged yet is never seen. The key serves the
 *       common filters (one agent over a time range) and the newest-first order;
 *   <li>{@code PARTITION BY toYYYYMMDD(start_time)} with {@code TTL ... DELETE} and
 *       {@code ttl_only_drop_parts}: retention drops whole day partitions instead of rewriting parts;
 *   <li>bloom-filter skip indexes on the trace and logical-trace ids, which are looked up without the
 *       agent; {@code LowCardinality} for the small vocabularies (agents, models, tools, statuses);
 *   <li>costs in {@code Decimal(38, 9)}: nano-dollars, summed exactly.
 * </ul>
 */
final class SpansTable {
  static final String NAME = "spans_v1";
  static final String COMMENT = "warden clickhouse-v1 span store";

  /** Insert column order; {@link SpanRows#bind} follows it. */
  static final String INSERT_COLUMNS = String.join(", ",
      "trace_id", "span_id", "parent_span_id", "logical_trace_id", "name", "service", "agent",
      "operation", "start_time", "end_time", "status", "status_message", "request_model",
      "response_model", "input_tokens", "output_tokens", "cached_tokens", "tool_name",
      "conversation_id", "intent", "delegation_chain", "cost_usd", "cost_tokens_usd",
      "cost_actions_usd", "cost_compute_usd", "text", "attributes", "links");
  static final int INSERT_COLUMN_COUNT = INSERT_COLUMNS.split(",").length;

  /** Select column order; {@link SpanRows#read} follows it. */
  static final String SELECT_COLUMNS = String.join(", ",
      "trace_id", "span_id", "parent_span_id", "logical_trace_id", "name", "service", "agent",
      "operation", "toUnixTimestamp64Nano(start_time) AS start_ns",
      "toUnixTimestamp64Nano(end_time) AS end_ns", "status", "status_message", "request_model",
      "response_model", "input_tokens", "output_tokens", "cached_tokens", "tool_name",
      "conversation_id", "intent", "delegation_chain", "cost_usd", "text", "attributes", "links");

  private static final Pattern TTL_DAYS = Pattern.compile("TTL .*?toIntervalDay\\((\\d+)\\)");

  private SpansTable() {}

  static String createDatabase(String database) {
    return "CREATE DATABASE IF NOT EXISTS `" + database + "`";
  }

  static String createTable(int retentionDays) {
    return "CREATE TABLE IF NOT EXISTS " + NAME + " (\n"
        + "  trace_id String,\n"
        + "  span_id String,\n"
        + "  parent_span_id String,\n"
        + "  logical_trace_id String,\n"
        + "  name String,\n"
        + "  service LowCardinality(String),\n"
        + "  agent LowCardinality(String),\n"
        + "  operation LowCardinality(String),\n"
        + "  start_time DateTime64(9, 'UTC'),\n"
        + "  end_time DateTime64(9, 'UTC'),\n"
        + "  status LowCardinality(String),\n"
        + "  status_message String,\n"
        + "  request_model LowCardinality(String),\n"
        + "  response_model LowCardinality(String),\n"
        + "  input_tokens UInt64,\n"
        + "  output_tokens UInt64,\n"
        + "  cached_tokens UInt64,\n"
        + "  tool_name LowCardinality(String),\n"
        + "  conversation_id String,\n"
        + "  intent String,\n"
        + "  delegation_chain Array(String),\n"
        + "  cost_usd Decimal(38, 9),\n"
        + "  cost_tokens_usd Decimal(38, 9),\n"
        + "  cost_actions_usd Decimal(38, 9),\n"
        + "  cost_compute_usd Decimal(38, 9),\n"
        + "  text String CODEC(ZSTD(3)),\n"
        + "  attributes Map(String, String),\n"
        + "  links Array(String),\n"
        + "  ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),\n"
        + "  INDEX idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 4,\n"
        + "  INDEX idx_logical_trace_id logical_trace_id TYPE bloom_filter(0.01) GRANULARITY 4\n"
        + ")\n"
        + "ENGINE = ReplacingMergeTree(ingested_at)\n"
        + "PARTITION BY toYYYYMMDD(start_time)\n"
        + "ORDER BY (agent, start_time, trace_id, span_id)\n"
        + "TTL " + ttlExpression(retentionDays) + " DELETE\n"
        + "SETTINGS ttl_only_drop_parts = 1\n"
        + "COMMENT '" + COMMENT + "'";
  }

  static String modifyTtl(int retentionDays) {
    return "ALTER TABLE " + NAME + " MODIFY TTL " + ttlExpression(retentionDays) + " DELETE";
  }

  static String ttlExpression(int retentionDays) {
    return "toDateTime(start_time) + toIntervalDay(" + retentionDays + ")";
  }

  static final String ENGINE =
      "SELECT engine, engine_full FROM system.tables WHERE database = currentDatabase() AND name = '" + NAME + "'";

  /** The retention days in a table's {@code engine_full}, or -1 when it has no day TTL. */
  static int retentionDaysOf(String engineFull) {
    Matcher m = TTL_DAYS.matcher(engineFull);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }
}
