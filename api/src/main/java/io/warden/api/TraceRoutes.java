package io.warden.api;

import static io.warden.api.QueryParams.param;


import io.vertx.ext.web.Router;

import io.warden.core.WardenException;
import io.warden.core.identity.Role;
import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanStore;
import io.warden.tracestore.SearchPage;
import io.warden.tracestore.TraceStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

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
  private final BiFunction<@Nullable Instant, @Nullable Instant, ? extends Map<String, ?>> savings;

  public TraceRoutes(TraceStore traces, Clock clock) {
    this(traces, clock, (from, to) -> Map.of());
  }

  /**
   * With {@code savings}: per agent, what the model gateway's routing (cache, coalescing, small
   * model first) saved over the request's {@code from}/{@code to} window (null: unbounded), added to
   * {@code group_by=agent} answers as {@code savings}.
   */
  public TraceRoutes(TraceStore traces, Clock clock,
      BiFunction<@Nullable Instant, @Nullable Instant, ? extends Map<String, ?>> savings) {
    this.traces = traces;
    this.clock = clock;
    this.savings = savings;
  }

  @Override
  public void mount(Router router, Http http) {
    router.get("/api/v1/traces/search").handler(ctx -> {
      http.user(ctx, Role.VIEWER);
      SpanQuery query = new SpanQuery(
          param(ctx, "q"), param(ctx, "agent"), param(ctx, "model"), param(ctx, "status"),
          QueryParams.time(param(ctx, "from"), "from", clock), QueryParams.time(param(ctx, "to"), "to", clock), money(param(ctx, "min_cost_usd")),
          param(ctx, "trace_id"), param(ctx, "logical_trace_id"), param(ctx, "cursor"), QueryParams.limit(param(ctx, "limit"), DEFAULT_LIMIT, 1000));
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
      Instant from = QueryParams.time(param(ctx, "from"), "from", clock);
      Instant to = QueryParams.time(param(ctx, "to"), "to", clock);
      http.respond(ctx, 200, () -> {
        Map<String, Object> body = costBody(groupBy, from, to, traces.costs(groupBy, from, to));
        if (groupBy.equals("agent")) {
          body.put("savings", savings.apply(from, to));
        }
        return body;
      });
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

}
