package io.warden.tracestore.clickhouse;

import io.warden.core.trace.SpanCost;
import io.warden.core.trace.SpanRecord;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Maps {@link SpanRecord} to the {@code spans_v1} columns and back. */
final class SpanRows {
  /**
   * Span attributes that carry the priced cost by kind. When all three are present (decimal USD)
   * they fill the cost roll-up columns; otherwise the whole {@link SpanRecord#costUsd()} counts as
   * one kind, chosen by the operation (see {@link #costSplit}).
   */
  static final String TOKENS_USD_ATTRIBUTE = SpanCost.TOKENS_USD_ATTRIBUTE;
  static final String ACTIONS_USD_ATTRIBUTE = SpanCost.ACTIONS_USD_ATTRIBUTE;
  static final String COMPUTE_USD_ATTRIBUTE = SpanCost.COMPUTE_USD_ATTRIBUTE;

  /** The text form ClickHouse parses fastest for DateTime64(9) in VALUES. */
  private static final DateTimeFormatter DATETIME64 =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSSSS").withZone(ZoneOffset.UTC);

  private SpanRows() {}

  /** Binds one span to the {@link SpansTable#INSERT_COLUMNS} placeholders. */
  static void bind(PreparedStatement ps, SpanRecord s) throws SQLException {
    BigDecimal[] split = costSplit(s);
    int i = 0;
    ps.setString(++i, s.traceId());
    ps.setString(++i, s.spanId());
    ps.setString(++i, s.parentSpanId());
    ps.setString(++i, s.logicalTraceId());
    ps.setString(++i, s.name());
    ps.setString(++i, s.service());
    ps.setString(++i, s.agent());
    ps.setString(++i, s.operation());
    ps.setString(++i, dateTime64(s.startEpochNanos()));
    ps.setString(++i, dateTime64(s.endEpochNanos()));
    ps.setString(++i, s.status());
    ps.setString(++i, s.statusMessage());
    ps.setString(++i, s.requestModel());
    ps.setString(++i, s.responseModel());
    ps.setLong(++i, s.inputTokens());
    ps.setLong(++i, s.outputTokens());
    ps.setLong(++i, s.cachedTokens());
    ps.setString(++i, s.toolName());
    ps.setString(++i, s.conversationId());
    ps.setString(++i, s.intent());
    ps.setObject(++i, s.delegationChain());
    ps.setBigDecimal(++i, s.costUsd());
    ps.setBigDecimal(++i, split[0]);
    ps.setBigDecimal(++i, split[1]);
    ps.setBigDecimal(++i, split[2]);
    ps.setString(++i, s.text());
    ps.setObject(++i, s.attributes());
    ps.setObject(++i, s.links());
    assert i == SpansTable.INSERT_COLUMN_COUNT;
  }

  /** Reads one row selected with {@link SpansTable#SELECT_COLUMNS}. */
  static SpanRecord read(ResultSet rs) throws SQLException {
    return new SpanRecord(
        rs.getString("trace_id"), rs.getString("span_id"), rs.getString("parent_span_id"),
        rs.getString("logical_trace_id"), rs.getString("name"), rs.getString("service"),
        rs.getString("agent"), rs.getString("operation"), rs.getLong("start_ns"), rs.getLong("end_ns"),
        rs.getString("status"), rs.getString("status_message"), rs.getString("request_model"),
        rs.getString("response_model"), rs.getLong("input_tokens"), rs.getLong("output_tokens"),
        rs.getLong("cached_tokens"), rs.getString("tool_name"), rs.getString("conversation_id"),
        rs.getString("intent"), strings(rs.getArray("delegation_chain")), rs.getBigDecimal("cost_usd"),
        rs.getString("text"), stringMap(rs.getObject("attributes")), strings(rs.getArray("links")));
  }

  /**
   * Tokens, actions and compute USD of a span: from the three {@code warden.cost.*_usd} attributes
   * when ingest priced them apart, else the whole cost as the operation's kind
   * ({@code execute_tool}: actions, {@code invoke_agent}/{@code create_agent}: compute, else tokens).
   */
  static BigDecimal[] costSplit(SpanRecord s) {
    SpanCost c = SpanCost.of(s);
    return new BigDecimal[] {c.tokensUsd(), c.actionsUsd(), c.computeUsd()};
  }

  static String dateTime64(long epochNanos) {
    return DATETIME64.format(Instant.ofEpochSecond(0, epochNanos));
  }

  private static List<String> strings(Array array) throws SQLException {
    if (array == null) {
      return List.of();
    }
    Object values = array.getArray();
    List<String> out = new ArrayList<>();
    if (values instanceof Object[] objects) {
      for (Object o : objects) {
        out.add(String.valueOf(o));
      }
    } else if (values instanceof List<?> list) {
      for (Object o : list) {
        out.add(String.valueOf(o));
      }
    }
    return out;
  }

  private static Map<String, String> stringMap(Object value) {
    Map<String, String> out = new LinkedHashMap<>();
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
    }
    return out;
  }
}
