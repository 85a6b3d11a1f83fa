package io.warden.tracestore;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.trace.SpanCost;
import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Spans and queries for the span store tests: a valid {@link SpanRecord} builder with every field
 * set, a {@link SpanQuery} builder, and a small data set that every filter and cost group splits.
 */
public final class SpanFixtures {
  /** A minute boundary an hour ago: recent enough for a 30-day retention. */
  public static final Instant BASE = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofHours(1));

  private SpanFixtures() {}

  /** 3 agents, 2 models, tools, errors, 3 traces in 2 logical traces, costs, one span per 5 s. */
  public static List<SpanRecord> dataset() {
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
        b.attributes(Map.of(SpanCost.TOKENS_USD_ATTRIBUTE, "0.02", SpanCost.ACTIONS_USD_ATTRIBUTE, "0.03",
            SpanCost.COMPUTE_USD_ATTRIBUTE, "0.027")); // 0.077 = 7 x 0.011, priced apart by ingest
      }
      out.add(b.build());
    }
    return out;
  }

  public static SpanBuilder span(String trace, int spanNo, String agent, String operation, int secondsAfterBase) {
    return new SpanBuilder(hex32(trace), hex16(spanNo), agent, operation, BASE.plusSeconds(secondsAfterBase));
  }

  public static String hex32(String seed) {
    return String.format("%032x", Math.abs((long) seed.hashCode()) + 1);
  }

  public static String hex16(int n) {
    return String.format("%016x", n + 1);
  }

  public static Instant start(SpanRecord s) {
    return Instant.ofEpochSecond(0, s.startEpochNanos());
  }

  public static String key(SpanRecord s) {
    return s.traceId() + "/" + s.spanId();
  }

  public static List<String> keys(List<SpanRecord> spans) {
    return spans.stream().map(SpanFixtures::key).toList();
  }

  public static List<SpanRecord> newestFirst(List<SpanRecord> spans) {
    return spans.stream().sorted(Comparator.comparingLong(SpanRecord::startEpochNanos)
        .thenComparing(SpanRecord::traceId).thenComparing(SpanRecord::spanId).reversed()).toList();
  }

  /** Equal field for field; costs compare by value (ClickHouse returns them at scale 9). */
  public static void assertSameSpans(List<SpanRecord> actual, List<SpanRecord> expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i)).usingRecursiveComparison()
          .withComparatorForType(BigDecimal::compareTo, BigDecimal.class)
          .isEqualTo(expected.get(i));
    }
  }

  public static Q query() {
    return new Q();
  }

  /** Builds a {@link SpanQuery}; unset fields are null. */
  public static final class Q {
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

    public Q text(String v) { text = v; return this; }
    public Q agent(String v) { agent = v; return this; }
    public Q model(String v) { model = v; return this; }
    public Q status(String v) { status = v; return this; }
    public Q from(Instant v) { from = v; return this; }
    public Q to(Instant v) { to = v; return this; }
    public Q minCostUsd(BigDecimal v) { minCostUsd = v; return this; }
    public Q traceId(String v) { traceId = v; return this; }
    public Q logicalTraceId(String v) { logicalTraceId = v; return this; }
    public Q cursor(String v) { cursor = v; return this; }
    public Q limit(int v) { limit = v; return this; }

    public SpanQuery build() {
      return new SpanQuery(text, agent, model, status, from, to, minCostUsd, traceId, logicalTraceId, cursor, limit);
    }
  }

  /** A valid {@link SpanRecord} with overridable fields. */
  public static final class SpanBuilder {
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

    public SpanBuilder(String traceId, String spanId, String agent, String operation, Instant start) {
      this.traceId = traceId;
      this.spanId = spanId;
      this.agent = agent;
      this.operation = operation;
      this.start = start;
      this.logicalTraceId = traceId;
    }

    public SpanBuilder start(Instant v) { start = v; return this; }
    public SpanBuilder logical(String seed) { logicalTraceId = hex32(seed); return this; }
    public SpanBuilder status(String s, String message) { status = s; statusMessage = message; return this; }
    public SpanBuilder models(String request, String response) { requestModel = request; responseModel = response; return this; }
    public SpanBuilder toolName(String v) { toolName = v; return this; }
    public SpanBuilder delegation(List<String> v) { delegation = v; return this; }
    public SpanBuilder cost(String usd) { cost = new BigDecimal(usd); return this; }
    public SpanBuilder text(String v) { text = v; return this; }
    public SpanBuilder attributes(Map<String, String> v) { attributes = v; return this; }
    public SpanBuilder links(List<String> v) { links = v; return this; }

    public SpanRecord build() {
      long startNanos = start.getEpochSecond() * 1_000_000_000L + start.getNano() + 123_456_789L;
      return new SpanRecord(traceId, spanId, "", logicalTraceId, operation + " " + agent, "svc-" + agent, agent,
          operation, startNanos, startNanos + 2_500_000_000L, status, statusMessage, requestModel,
          responseModel, 120, 45, 20, toolName, "conv-1", "reconcile invoice INV-1", delegation, cost, text,
          attributes, links);
    }
  }
}
