package io.warden.ui.internal;

import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.warden.core.health.Health;
import java.util.List;
import java.util.Map;

/** Each component's health from the health model ({@code io.warden.core.health}), as {@code /healthz} reports it. */
@Route(value = "health", layout = MainLayout.class)
@PageTitle("Health · Warden")
public class HealthView extends VerticalLayout {
  private static final long serialVersionUID = 1L;

  record Row(String component, Health health) {}

  public HealthView() {
    Services services = Services.current();
    List<Row> rows = services.health().entrySet().stream().map(e -> new Row(e.getKey(), e.getValue().health())).toList();
    Grid<Row> grid = new Grid<>();
    grid.setId("health-grid");
    grid.addThemeVariants(GridVariant.LUMO_COMPACT, GridVariant.LUMO_WRAP_CELL_CONTENT);
    grid.addColumn(Row::component).setHeader("Component").setAutoWidth(true);
    grid.addComponentColumn(r -> Pages.badge(r.health().state().label(),
        r.health().isUp() ? "success" : "error")).setHeader("State").setAutoWidth(true);
    grid.addColumn(r -> r.health().message()).setHeader("Message").setFlexGrow(2);
    grid.addColumn(r -> details(r.health().details())).setHeader("Details").setFlexGrow(3);
    grid.setItems(rows);
    grid.setAllRowsVisible(true);
    boolean allUp = rows.stream().allMatch(r -> r.health().isUp());
    add(new H2("Health"), new Paragraph(rows.isEmpty() ? "No components report health."
        : allUp ? "Every component is up." : "Some components are not up: see below."), grid,
        new Paragraph(services.inventory().list().size() + " agents on main at "
            + InventoryView.shortCommit(services.inventory().appliedCommit())));
  }

  private static String details(Map<String, Object> details) {
    StringBuilder sb = new StringBuilder();
    details.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=').append(v));
    return sb.toString();
  }
}
