package io.warden.ui.internal;

import io.warden.core.trace.SpanCost;
import io.warden.core.trace.SpanRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Cost over time as a stacked bar chart in plain SVG (Vaadin Charts is a paid add-on, and SVG needs
 * no frontend build): one bar per UTC day, split into tokens, actions and compute. Internal.
 */
public final class CostChart {
  static final String[] COLORS = {"#1676f3", "#e8a317", "#2aa876"};
  static final String[] LABELS = {"tokens", "actions", "compute"};

  /** One day's cost split. */
  public record Day(LocalDate day, BigDecimal tokens, BigDecimal actions, BigDecimal compute) {
    BigDecimal total() {
      return tokens.add(actions).add(compute);
    }
  }

  private CostChart() {}

  /** The spans' costs per day from {@code from} to {@code to} (inclusive), zero days included. */
  public static List<Day> byDay(List<SpanRecord> spans, LocalDate from, LocalDate to) {
    Map<LocalDate, BigDecimal[]> days = new TreeMap<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      days.put(d, new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
    }
    for (SpanRecord s : spans) {
      LocalDate d = Instant.ofEpochSecond(0, s.startEpochNanos()).atZone(ZoneOffset.UTC).toLocalDate();
      BigDecimal[] sums = days.get(d);
      if (sums != null) {
        SpanCost c = SpanCost.of(s);
        sums[0] = sums[0].add(c.tokensUsd());
        sums[1] = sums[1].add(c.actionsUsd());
        sums[2] = sums[2].add(c.computeUsd());
      }
    }
    List<Day> out = new ArrayList<>();
    days.forEach((d, v) -> out.add(new Day(d, v[0], v[1], v[2])));
    return out;
  }

  /** The chart as one {@code <svg>} element, with a legend and a title per bar (the day's numbers). */
  public static String svg(List<Day> days) {
    int width = 640;
    int height = 180;
    int top = 20;
    int bottom = 30;
    double max = days.stream().mapToDouble(d -> d.total().doubleValue()).max().orElse(0);
    double scale = max <= 0 ? 0 : (height - top - bottom) / max;
    double slot = days.isEmpty() ? width : (double) width / days.size();
    StringBuilder svg = new StringBuilder();
    svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"cost-chart\" width=\"").append(width)
        .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
        .append("\" role=\"img\" aria-label=\"cost per day\" style=\"font:11px sans-serif\">");
    for (int i = 0; i < LABELS.length; i++) {
      svg.append("<rect x=\"").append(10 + i * 90).append("\" y=\"4\" width=\"10\" height=\"10\" fill=\"")
          .append(COLORS[i]).append("\"/><text x=\"").append(24 + i * 90).append("\" y=\"13\">")
          .append(LABELS[i]).append("</text>");
    }
    svg.append("<text x=\"").append(width - 4).append("\" y=\"13\" text-anchor=\"end\">max ")
        .append(Pages.usd(BigDecimal.valueOf(max))).append("/day</text>");
    for (int i = 0; i < days.size(); i++) {
      Day d = days.get(i);
      double x = i * slot + slot * 0.15;
      double w = slot * 0.7;
      double y = height - bottom;
      BigDecimal[] parts = {d.tokens(), d.actions(), d.compute()};
      svg.append("<g><title>").append(d.day()).append(": tokens ").append(Pages.usd(d.tokens()))
          .append(", actions ").append(Pages.usd(d.actions())).append(", compute ").append(Pages.usd(d.compute()))
          .append("</title>");
      for (int p = 0; p < parts.length; p++) {
        double h = parts[p].doubleValue() * scale;
        if (h > 0) {
          y -= h;
          svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
              x, y, w, h, COLORS[p]));
        }
      }
      svg.append("</g>");
      if (days.size() <= 16 || i % 2 == 0) {
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
            x + w / 2, height - bottom + 14, d.day().toString().substring(5)));
      }
    }
    svg.append("<line x1=\"0\" x2=\"").append(width).append("\" y1=\"").append(height - bottom).append("\" y2=\"")
        .append(height - bottom).append("\" stroke=\"#999\"/></svg>");
    return svg.toString();
  }
}
