package io.warden.ui.internal;

import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.warden.core.budget.BudgetUsage;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.inventory.AgentState;
import io.warden.core.trace.SpanStore;
import io.warden.executors.gateway.ModelSavings;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;

/**
 * Cost per agent, model, tool or day (tokens, actions, compute) from the trace store; each agent's
 * spending today against its budget; what routing and caching saved since start.
 */
@Route(value = "costs", layout = MainLayout.class)
@PageTitle("Costs · Warden")
public class CostsView extends VerticalLayout {
  private static final long serialVersionUID = 1L;
  static final Map<String, Duration> RANGES = Map.of("last 24 hours", Duration.ofDays(1), "last 7 days",
      Duration.ofDays(7), "last 30 days", Duration.ofDays(30));

  /** An agent's spending today against its budget. */
  record BudgetRow(String agent, long callsLastHour, Integer callsPerHour, BigDecimal usdToday, BigDecimal usdPerDay) {}

  public CostsView() {
    Services services = Services.current();
    Select<String> group = new Select<>();
    group.setLabel("Group by");
    group.setItems("agent", "model", "tool", "day");
    group.setValue("agent");
    Select<String> range = new Select<>();
    range.setLabel("Range");
    range.setItems("last 24 hours", "last 7 days", "last 30 days");
    range.setValue("last 7 days");
    Grid<SpanStore.CostRow> costs = new Grid<>();
    costs.setId("costs-grid");
    costs.addThemeVariants(GridVariant.LUMO_COMPACT);
    costs.addColumn(SpanStore.CostRow::key).setHeader("Key").setAutoWidth(true);
    costs.addColumn(r -> Pages.usd(r.tokensUsd())).setHeader("Tokens").setAutoWidth(true);
    costs.addColumn(r -> Pages.usd(r.actionsUsd())).setHeader("Actions").setAutoWidth(true);
    costs.addColumn(r -> Pages.usd(r.computeUsd())).setHeader("Compute").setAutoWidth(true);
    costs.addColumn(r -> Pages.usd(r.totalUsd())).setHeader("Total").setAutoWidth(true);
    costs.addColumn(SpanStore.CostRow::spans).setHeader("Spans").setAutoWidth(true);
    costs.setAllRowsVisible(true);
    Grid<Map.Entry<String, ModelSavings>> savings = savingsGrid();
    Runnable load = () -> {
      Instant to = services.clock().instant();
      Instant from = to.minus(RANGES.get(range.getValue()));
      try {
        costs.setItems(services.traces().costs(group.getValue(), from, null));
      } catch (Exception e) {
        Pages.error("Costs are not readable now: " + e.getMessage());
      }
      if (services.gateway() != null) {
        // Savings are kept per UTC day: the days the range touches.
        savings.setItems(new ArrayList<>(services.gateway().savings(from, to).entrySet()));
      }
    };
    group.addValueChangeListener(e -> load.run());
    range.addValueChangeListener(e -> load.run());
    load.run();

    Grid<BudgetRow> budgets = new Grid<>();
    budgets.setId("budgets-grid");
    budgets.addThemeVariants(GridVariant.LUMO_COMPACT);
    budgets.addColumn(BudgetRow::agent).setHeader("Agent").setAutoWidth(true);
    budgets.addColumn(r -> r.callsLastHour() + (r.callsPerHour() == null ? "" : " of " + r.callsPerHour()))
        .setHeader("Calls, last hour").setAutoWidth(true);
    budgets.addColumn(r -> Pages.usd(r.usdToday()) + (r.usdPerDay() == null ? "" : " of " + Pages.usd(r.usdPerDay())))
        .setHeader("USD today").setAutoWidth(true);
    budgets.addColumn(r -> r.usdPerDay() == null || r.usdPerDay().signum() == 0 ? ""
        : Math.round(100 * r.usdToday().doubleValue() / r.usdPerDay().doubleValue()) + "%").setHeader("Used").setAutoWidth(true);
    // A page of the inventory at a time: one ledger lookup per shown row.
    budgets.setItems(q -> services.inventory().list().stream().skip(q.getOffset()).limit(q.getLimit())
        .map(s -> budget(s, services.budgets().usage(s.name(), ""))));

    add(new H2("Costs"), new HorizontalLayout(group, range), costs, new H3("Budgets today"), budgets,
        new H3("Savings from routing and caching (same range, whole UTC days)"));
    add(services.gateway() == null
        ? Pages.notAvailable("The model gateway is not running: no routing savings to show.") : savings);
  }

  private static Grid<Map.Entry<String, ModelSavings>> savingsGrid() {
    Grid<Map.Entry<String, ModelSavings>> grid = new Grid<>();
    grid.setId("savings-grid");
    grid.addThemeVariants(GridVariant.LUMO_COMPACT);
    grid.addColumn(Map.Entry::getKey).setHeader("Agent").setAutoWidth(true);
    grid.addColumn(e -> e.getValue().calls()).setHeader("Calls").setAutoWidth(true);
    grid.addColumn(e -> e.getValue().cacheHits()).setHeader("Cache hits").setAutoWidth(true);
    grid.addColumn(e -> e.getValue().coalesced()).setHeader("Coalesced").setAutoWidth(true);
    grid.addColumn(e -> e.getValue().smallModelAnswers()).setHeader("Small-model answers").setAutoWidth(true);
    grid.addColumn(e -> e.getValue().escalations()).setHeader("Escalations").setAutoWidth(true);
    grid.addColumn(e -> Pages.usd(e.getValue().savedUsd())).setHeader("Saved").setAutoWidth(true);
    grid.setAllRowsVisible(true);
    return grid;
  }

  private static BudgetRow budget(AgentState s, BudgetUsage usage) {
    AgentDescriptor.Budgets b = s.descriptor().spec().budgets();
    return new BudgetRow(s.name(), usage.callsLastHour(), b == null ? null : b.callsPerHour(), usage.usdSpentToday(),
        b == null ? null : b.usdPerDay());
  }
}
