package io.warden.ui.internal;

import com.vaadin.flow.component.Html;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.ListItem;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.UnorderedList;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.treegrid.TreeGrid;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.warden.core.trace.SpanRecord;
import io.warden.tracestore.LogicalTrace;
import io.warden.tracestore.LogicalTrace.Node;
import java.util.Locale;

/**
 * One logical trace across sub-agents, as a tree with a waterfall: per span the agent, the
 * delegation chain (verified by a scoped token, or only claimed), model, tokens, cost, duration,
 * errors marked.
 */
@Route(value = "traces/:id", layout = MainLayout.class)
@PageTitle("Trace · Warden")
public class TraceView extends VerticalLayout implements BeforeEnterObserver {
  private static final long serialVersionUID = 1L;
  private final transient Services services = Services.current();

  @Override
  public void beforeEnter(BeforeEnterEvent event) {
    removeAll();
    String id = event.getRouteParameters().get("id").orElse("");
    LogicalTrace trace;
    try {
      trace = services.traces().logicalTrace(id);
    } catch (Exception e) {
      add(new H2("Trace " + id), Pages.notAvailable(String.valueOf(e.getMessage())));
      return;
    }
    add(new H2("Logical trace " + trace.id()));
    add(new Paragraph("Intent: " + (trace.intent().isEmpty() ? "(none recorded)" : trace.intent())));
    add(new Paragraph(trace.spanCount() + " spans in " + trace.traceIds().size() + " traces · agents "
        + String.join(" → ", trace.agents()) + " · total " + Pages.usd(trace.totalCostUsd()) + " · "
        + millis(trace.endEpochNanos() - trace.startEpochNanos()) + (trace.truncated() ? " · truncated" : "")));
    if (!trace.costByAgent().isEmpty()) {
      StringBuilder costs = new StringBuilder("Cost by agent:");
      trace.costByAgent().forEach((a, c) -> costs.append(' ').append(a).append(' ').append(Pages.usd(c)));
      add(new Paragraph(costs.toString()));
    }
    if (!trace.errors().isEmpty()) {
      UnorderedList errors = new UnorderedList();
      errors.setId("trace-errors");
      trace.errors().forEach(e -> errors.add(new ListItem(e.agent() + " · " + e.name() + ": " + e.message()
          + (e.delegationChain().isEmpty() ? "" : " (via " + String.join(" → ", e.delegationChain()) + ")"))));
      add(new H3("Errors"), errors);
    }
    add(tree(trace));
  }

  private static TreeGrid<Node> tree(LogicalTrace trace) {
    long start = trace.startEpochNanos();
    long total = Math.max(1, trace.endEpochNanos() - start);
    TreeGrid<Node> grid = new TreeGrid<>();
    grid.setId("trace-tree");
    grid.addThemeVariants(GridVariant.LUMO_COMPACT);
    grid.addHierarchyColumn(n -> (n.span().status().equals("ERROR") ? "✖ " : "") + n.span().name()
        + (n.delegatedFrom().isEmpty() ? "" : " ⇠ " + n.delegatedFrom())).setHeader("Span").setAutoWidth(true);
    grid.addComponentColumn(n -> new Html(bar(n.span(), start, total))).setHeader("Waterfall").setWidth("220px").setFlexGrow(0);
    grid.addColumn(n -> n.span().agent()).setHeader("Agent").setAutoWidth(true);
    grid.addColumn(n -> n.span().delegationChain().isEmpty() ? ""
        : String.join(" → ", n.span().delegationChain()) + (n.delegationVerified() ? " ✔ verified" : " ⚠ not verified"))
        .setHeader("Delegation").setAutoWidth(true);
    grid.addColumn(n -> model(n.span())).setHeader("Model").setAutoWidth(true);
    grid.addColumn(n -> n.span().inputTokens() + "/" + n.span().outputTokens()).setHeader("Tokens in/out").setAutoWidth(true);
    grid.addColumn(n -> Pages.usd(n.span().costUsd())).setHeader("Cost").setAutoWidth(true);
    grid.addColumn(n -> millis(n.span().durationNanos())).setHeader("Duration").setAutoWidth(true);
    grid.addColumn(n -> n.span().status().equals("ERROR") ? n.span().statusMessage() : "").setHeader("Error").setAutoWidth(true);
    grid.setItems(trace.roots(), Node::children);
    grid.expandRecursively(trace.roots(), 64);
    grid.setAllRowsVisible(true);
    return grid;
  }

  /** A span's place in the trace's time as a bar (HTML only, no script). */
  static String bar(SpanRecord s, long start, long total) {
    double left = 100.0 * (s.startEpochNanos() - start) / total;
    double width = Math.max(0.5, 100.0 * s.durationNanos() / total);
    String color = s.status().equals("ERROR") ? "var(--lumo-error-color)" : "var(--lumo-primary-color)";
    return String.format(Locale.ROOT, "<div style=\"position:relative;height:10px;width:200px;background:"
        + "var(--lumo-contrast-10pct)\"><div style=\"position:absolute;left:%.1f%%;width:%.1f%%;height:10px;"
        + "background:%s\"></div></div>", Math.min(left, 99.5), Math.min(width, 100 - Math.min(left, 99.5)), color);
  }

  static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
  }

  private static String model(SpanRecord s) {
    return s.responseModel().isEmpty() ? s.requestModel() : s.responseModel();
  }
}
