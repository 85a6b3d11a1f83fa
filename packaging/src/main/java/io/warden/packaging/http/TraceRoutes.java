package io.warden.packaging.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.warden.core.WardenException;
import io.warden.core.identity.Role;
import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanStore;
import io.warden.tracestore.SearchPage;
import io.warden.tracestore.TraceStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The responders' API over the trace store (viewer role):
 * <ul>
 *   <li>{@code GET /api/v1/traces/search?q=&agent=&model=&status=&from=&to=&min_cost_usd=&cursor=&limit=}
 *       — Lucene query syntax over prompts, completions and tool arguments plus filters, newest
 *       first, with highlights and a cursor for the next page;
 *   <li>{@code GET /api/v1/traces/{traceId}} — every span of one trace;
 *   <li>{@code GET /api/v1/logical-traces/{id}} — the whole delegation tree across trace ids;
 *   <li>{@code GET /api/v1/costs?group_by=agent|model|tool|day&from=&to=} — cost roll-up.
 * </ul>
 * Times ({@code from}, {@code to}) are ISO-8601 instants ({@code 2026-05-01T12:00:00Z}), dates
 * ({@code 2026-05-01}, midnight UTC) or a look-back such as {@code 15m}, {@code 24h}, {@code 7d}.
 */
public final class TraceRoutes implements ApiRoutes {
  private static final int DEFAULT_LIMIT = 50;

  private final TraceStore traces;
  private final Clock clock;

  public TraceRoutes(TraceStore traces, Clock clock) {
    this.traces = traces;
    this.clock = clock;
  }

  @Override
  public void mount(Router router, Http http) {
    router.get("/api/v1/traces/search").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      SpanQuery query = new SpanQuery(
          param(ctx, "q"), param(ctx, "agent"), param(ctx, "model"), param(ctx, "status"),
          time(param(ctx, "from"), "from"), time(param(ctx, "to"), "to"), money(param(ctx, "min_cost_usd")),
          param(ctx, "trace_id"), param(ctx, "logical_trace_id"), param(ctx, "cursor"), limit(param(ctx, "limit")));
      http.respond(ctx, 200, () -> searchBody(traces.search(query)));
    });
    router.get("/api/v1/traces/:traceId").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      String id = ctx.pathParam("traceId");
      http.respond(ctx, 200, () -> {
        Map<String, Object> body = new LinkedHashMap<>();
        var spans = traces.trace(id);
        body.put("trace_id", spans.get(0).traceId());
        body.put("logical_trace_id", spans.get(0).logicalTraceId());
        body.put("spans", spans);
        return body;
      });
    });
    router.get("/api/v1/logical-traces/:id").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      String id = ctx.pathParam("id");
      http.respond(ctx, 200, () -> traces.logicalTrace(id));
    });
    router.get("/api/v1/costs").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      String groupBy = param(ctx, "group_by");
      if (groupBy == null) {
        throw WardenException.invalid("group_by is required: one of agent, model, tool, day");
      }
      Instant from = time(param(ctx, "from"), "from");
      Instant to = time(param(ctx, "to"), "to");
      http.respond(ctx, 200, () -> costBody(groupBy, from, to, traces.costs(groupBy, from, to)));
    });
  }

  private static Map<String, Object> searchBody(SearchPage page) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("hits", page.hits());
    body.put("next_cursor", page.nextCursor());
    return body;
  }

  private static Map<String, Object> costBody(String groupBy, Instant from, Instant to, List<SpanStore.CostRow> rows) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("group_by", groupBy);
    body.put("from", from);
    body.put("to", to);
    body.put("rows", rows);
    body.put("total_usd", rows.stream().map(SpanStore.CostRow::totalUsd).reduce(BigDecimal.ZERO, BigDecimal::add));
    return body;
  }

  private static String param(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    return v == null || v.isBlank() ? null : v.strip();
  }

  private static int limit(String value) {
    if (value == null) {
      return DEFAULT_LIMIT;
    }
    int limit;
    try {
      limit = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw WardenException.invalid("limit must be a whole number 1..1000, got '" + value + "'");
    }
    if (limit < 1 || limit > 1000) {
      throw WardenException.invalid("limit must be 1..1000, got " + limit);
    }
    return limit;
  }

  private static BigDecimal money(String value) {
    if (value == null) {
      return null;
    }
    try {
      BigDecimal d = new BigDecimal(value);
      if (d.signum() < 0) {
        throw WardenException.invalid("min_cost_usd must not be negative, got " + value);
      }
      return d;
    } catch (NumberFormatException e) {
      throw WardenException.invalid("min_cost_usd must be a USD amount such as 0.50, got '" + value + "'");
    }
  }

  /** An instant, a date (midnight UTC) or a look-back ({@code 15m}, {@code 24h}, {@code 7d}). */
  Instant time(String value, String name) {
    if (value == null) {
      return null;
    }
    String v = value.strip();
    try {
      if (v.matches("-?\\d+[smhd]")) {
        long n = Long.parseLong(v.replace("-", "").substring(0, v.replace("-", "").length() - 1));
        Duration back = switch (v.charAt(v.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          case 'h' -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
        return clock.instant().minus(back);
      }
      if (v.matches("\\d{4}-\\d{2}-\\d{2}")) {
        return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      return Instant.parse(v);
    } catch (DateTimeParseException | ArithmeticException e) {
      throw WardenException.invalid(name + " must be an ISO-8601 instant (2026-05-01T12:00:00Z), a date "
          + "(2026-05-01) or a look-back (15m, 24h, 7d), got '" + value + "'");
    }
  }
}
