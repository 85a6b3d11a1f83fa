package io.warden.ui.internal;

import com.vaadin.flow.component.Key;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.warden.core.policy.PolicyDecision.Outcome;
import io.warden.policy.DecisionQuery;
import io.warden.policy.DecisionRecord;
import java.util.Locale;

/** The policy decision log, newest first: allow, deny or require_approval, with reasons and the policy revision. */
@Route(value = "decisions", layout = MainLayout.class)
@PageTitle("Policy decisions · Warden")
public class DecisionsView extends VerticalLayout {
  private static final long serialVersionUID = 1L;

  public DecisionsView() {
    Services services = Services.current();
    TextField agent = new TextField();
    agent.setPlaceholder("agent");
    Select<String> result = new Select<>();
    result.setItems("any result", "allow", "deny", "require_approval");
    result.setValue("any result");
    Grid<DecisionRecord> grid = new Grid<>();
    grid.setId("decisions-grid");
    grid.addThemeVariants(GridVariant.LUMO_COMPACT, GridVariant.LUMO_WRAP_CELL_CONTENT);
    grid.addColumn(r -> Pages.time(r.time())).setHeader("Time").setAutoWidth(true);
    grid.addColumn(DecisionRecord::agent).setHeader("Agent").setAutoWidth(true);
    grid.addColumn(DecisionRecord::action).setHeader("Action").setAutoWidth(true);
    grid.addColumn(DecisionRecord::resource).setHeader("Resource").setAutoWidth(true);
    grid.addComponentColumn(r -> Pages.badge(r.result().name().toLowerCase(Locale.ROOT),
        r.result() == Outcome.ALLOW ? "success" : "error")).setHeader("Result").setAutoWidth(true);
    grid.addColumn(r -> String.join("; ", r.reasons())).setHeader("Reasons").setFlexGrow(2);
    grid.addColumn(r -> InventoryView.shortCommit(r.policyRevision())).setHeader("Policy revision").setAutoWidth(true);
    grid.addColumn(r -> r.latencyMicros() + " µs" + (r.cached() ? " (cached)" : "")).setHeader("Latency").setAutoWidth(true);
    Runnable load = () -> {
      DecisionQuery q = DecisionQuery.latest().withLimit(DecisionQuery.MAX_LIMIT);
      if (!agent.getValue().isBlank()) {
        q = q.withAgent(agent.getValue().strip());
      }
      if (!result.getValue().startsWith("any")) {
        q = q.withResult(Outcome.valueOf(result.getValue().toUpperCase(Locale.ROOT)));
      }
      DecisionQuery query = q;
      grid.setItems(Pages.act(() -> services.decisions().query(query)) instanceof java.util.List<DecisionRecord> l
          ? l : java.util.List.of());
    };
    Button apply = new Button("Apply", e -> load.run());
    apply.addClickShortcut(Key.ENTER);
    result.addValueChangeListener(e -> load.run());
    load.run();
    HorizontalLayout bar = new HorizontalLayout(agent, result, apply);
    bar.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
    add(new H2("Policy decisions"), bar, grid);
    setSizeFull();
  }
}
