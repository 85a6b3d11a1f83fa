package io.warden.ui.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.trace.SpanCost;
import io.warden.core.trace.SpanRecord;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CostChartTest {
  private static SpanRecord span(LocalDate day, String operation, String cost, Map<String, String> attributes) {
    long start = day.atStartOfDay(ZoneOffset.UTC).toEpochSecond() * 1_000_000_000L + 3_600_000_000_000L;
    return new SpanRecord("0".repeat(32), "1".repeat(16), "", "0".repeat(32), "s", "svc", "a", operation, start,
        start + 1000, "OK", "", "", "", 0, 0, 0, "", "", "", List.of(), new BigDecimal(cost), "", attributes, List.of());
  }

  @Test
  void byDay_splitsEachDayIntoTokensActionsAndCompute_withEmptyDays() {
    LocalDate d1 = LocalDate.of(2026, 11, 28);
    List<CostChart.Day> days = CostChart.byDay(List.of(
        span(d1, "chat", "0.30", Map.of()),
        span(d1, "execute_tool", "0.05", Map.of()),
        span(d1.plusDays(2), "chat", "1.00", Map.of(SpanCost.TOKENS_USD_ATTRIBUTE, "0.6",
            SpanCost.ACTIONS_USD_ATTRIBUTE, "0.1", SpanCost.COMPUTE_USD_ATTRIBUTE, "0.3")),
        span(d1.minusDays(5), "chat", "9", Map.of())), d1, d1.plusDays(2));
    assertThat(days).extracting(CostChart.Day::day).containsExactly(d1, d1.plusDays(1), d1.plusDays(2));
    assertThat(days.get(0).tokens()).isEqualByComparingTo("0.30");
    assertThat(days.get(0).actions()).isEqualByComparingTo("0.05");
    assertThat(days.get(1).total()).isEqualByComparingTo("0");
    assertThat(days.get(2).compute()).isEqualByComparingTo("0.3");
  }

  @Test
  void svg_drawsOneStackedBarPerDayWithItsNumbers() {
    LocalDate d = LocalDate.of(2026, 11, 30);
    String svg = CostChart.svg(List.of(new CostChart.Day(d, new BigDecimal("2"), new BigDecimal("1"), BigDecimal.ZERO),
        new CostChart.Day(d.plusDays(1), BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO)));
    assertThat(svg).startsWith("<svg").endsWith("</svg>")
        .contains("2026-11-30: tokens $2.00, actions $1.00, compute $0.00")
        .contains("max $3.00/day").contains(">11-30<").contains(">12-01<");
    // The largest day fills the plot height (180 - 20 - 30 = 130 px): tokens 2/3 of it, actions 1/3.
    assertThat(svg).contains("height=\"86.7\"").contains("height=\"43.3\"");
  }
}
