package io.warden.ui.internal;

import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.data.provider.CallbackDataProvider;
import com.vaadin.flow.data.value.ValueChangeMode;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.router.RouterLink;
import com.vaadin.flow.router.RouteParameters;
import io.warden.core.approval.Approval;
import io.warden.core.inventory.AgentState;
import java.util.List;
import java.util.Map;

/**
 * Every agent on main: owner, model and pinned revision, executor, sync status, budget used today,
 * pending approvals, drift warnings. Filtered and sorted on the server, fetched a page at a time.
 */
@Route(value = "", layout = MainLayout.class)
@PageTitle("Inventory · Warden")
public class InventoryView extends VerticalLayout {
  private static final long serialVersionUID = 1L;

  public InventoryView() {
    Services services = Services.current();
    TextField filter = new TextField();
    filter.setId("inventory-filter");
    filter.setPlaceholder("Filter by name, owner, model, executor or status");
    filter.setWidth("28em");
    filter.setValueChangeMode(ValueChangeMode.LAZY);
    filter.setClearButtonVisible(true);

    Grid<AgentRow> grid = new Grid<>();
    grid.setId("inventory-grid");
    grid.addThemeVariants(GridVariant.LUMO_COMPACT, GridVariant.LUMO_ROW_STRIPES);
    grid.addComponentColumn(r -> new RouterLink(r.name(), AgentView.class, new RouteParameters("name", r.name())))
        .setHeader("Agent").setSortProperty("name").setAutoWidth(true).setFlexGrow(0);
    grid.addColumn(AgentRow::owner).setHeader("Owner").setSortProperty("owner").setAutoWidth(true);
    grid.addColumn(AgentRow::model).setHeader("Model @ pinned revision").setSortProperty("model").setAutoWidth(true);
    grid.addColumn(AgentRow::executor).setHeader("Executor").setSortProperty("executor").setAutoWidth(true);
    grid.addComponentColumn(r -> {
      Span b = Pages.badge(r.status(), r.status().equals("Synced") ? "success" : "error");
      b.getElement().setAttribute("title", r.message());
      return b;
    }).setHeader("Sync").setSortProperty("status").setAutoWidth(true);
    grid.addColumn(r -> r.callsLastHour() + " calls/h · " + Pages.usd(r.usdToday())
        + (r.usdPerDay() == null ? "" : " of " + Pages.usd(r.usdPerDay()))).setHeader("Budget today").setAutoWidth(true);
    grid.addColumn(AgentRow::pendingApprovals).setHeader("Pending approvals").setAutoWidth(true);
    grid.addComponentColumn(r -> r.driftEvents() == 0 ? new Span("")
        : Pages.badge(r.driftEvents() + " drift", "error")).setHeader("Drift").setAutoWidth(true);
    grid.setMultiSort(true);

    CallbackDataProvider<AgentRow, Void> rows = new CallbackDataProvider<>(
        q -> {
          List<AgentState> agents = services.inventory().list();
          Map<String, Long> pending = AgentRow.pendingByAgent(services.approvals().list(Approval.Status.PENDING, null));
          Map<String, Long> drift = services.gateway() == null ? Map.of() : services.gateway().driftEvents();
          return AgentRow.page(agents, filter.getValue(), q.getSortOrders(), q.getOffset(), q.getLimit(),
              name -> services.budgets().usage(name, ""), pending, drift).stream();
        },
        q -> AgentRow.count(services.inventory().list(), filter.getValue()));
    grid.setItems(rows);
    filter.addValueChangeListener(e -> rows.refreshAll());

    Span summary = new Span(services.inventory().list().size() + " agents on main at "
        + shortCommit(services.inventory().appliedCommit()));
    summary.setId("inventory-summary");
    add(new H2("Inventory"), summary, filter, grid);
    setSizeFull();
    grid.setSizeFull();
  }

  static String shortCommit(String commit) {
    return commit.length() > 10 ? commit.substring(0, 10) : commit.isEmpty() ? "(nothing applied yet)" : commit;
  }
}
