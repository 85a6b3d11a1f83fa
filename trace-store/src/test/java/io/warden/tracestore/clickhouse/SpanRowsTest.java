package io.warden.tracestore.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.trace.SpanRecord;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpanRowsTest {

  @Test
  void costSplit_pricedApartByIngest_usesTheAttributes() {
    SpanRecord s = span("chat", "0.06", Map.of(SpanRows.TOKENS_USD_ATTRIBUTE, "0.01",
        SpanRows.ACTIONS_USD_ATTRIBUTE, "0.02", SpanRows.COMPUTE_USD_ATTRIBUTE, "0.03"));
    assertThat(SpanRows.costSplit(s)).containsExactly(
        new BigDecimal("0.01"), new BigDecimal("0.02"), new BigDecimal("0.03"));
  }

  @Test
  void costSplit_noBreakdown_putsTheWholeCostOnTheOperationsKind() {
    BigDecimal c = new BigDecimal("0.5");
    assertThat(SpanRows.costSplit(span("chat", "0.5", Map.of()))).containsExactly(c, BigDecimal.ZERO, BigDecimal.ZERO);
    assertThat(SpanRows.costSplit(span("execute_tool", "0.5", Map.of()))).containsExactly(BigDecimal.ZERO, c, BigDecimal.ZERO);
    assertThat(SpanRows.costSplit(span("invoke_agent", "0.5", Map.of()))).containsExactly(BigDecimal.ZERO, BigDecimal.ZERO, c);
  }

  @Test
  void costSplit_partialOrMalformedBreakdown_fallsBackToTheOperation() {
    SpanRecord s = span("execute_tool", "0.5", Map.of(SpanRows.TOKENS_USD_ATTRIBUTE, "0.1",
        SpanRows.ACTIONS_USD_ATTRIBUTE, "x", SpanRows.COMPUTE_USD_ATTRIBUTE, "0.1"));
    assertThat(SpanRows.costSplit(s)).containsExactly(BigDecimal.ZERO, new BigDecimal("0.5"), BigDecimal.ZERO);
  }

  @Test
  void dateTime64_keepsNanosecondsInUtc() {
    assertThat(SpanRows.dateTime64(1_700_000_000_123_456_789L)).isEqualTo("2023-11-14 22:13:20.123456789");
    assertThat(SpanRows.dateTime64(0)).isEqualTo("1970-01-01 00:00:00.000000000");
  }

  private static SpanRecord span(String operation, String cost, Map<String, String> attributes) {
    return new SpanRecord("0af7651916cd43dd8448eb211c80319c", "00f067aa0ba902b7", "", "0af7651916cd43dd8448eb211c80319c",
        "n", "svc", "agent-a", operation, 1, 2, "OK", "", "", "", 0, 0, 0, "", "", "", List.of(),
        new BigDecimal(cost), "", attributes, List.of());
  }
}
