package io.warden.ui.internal;

import com.vaadin.flow.component.Html;
import com.vaadin.flow.component.Key;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.details.Details;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.router.RouteParameters;
import com.vaadin.flow.router.RouterLink;
import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import io.warden.tracestore.SearchPage;
import io.warden.tracestore.SpanHit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Span search: Lucene query syntax over prompts, completions, tool arguments and results, with
 * filters; results newest first with the matches highlighted, a page at a time.
 */
@Route(value = "traces", layout = MainLayout.class)
@PageTitle("Traces · Warden")
public class TracesView extends VerticalLayout {
  private static final long serialVersionUID = 1L;
  static final int PAGE = 50;
  static final Map<String, Duration> RANGES = Map.of("last hour", Duration.ofHours(1), "last 24 hours",
      Duration.ofDays(1), "last 7 days", Duration.ofDays(7), "last 30 days", Duration.ofDays(30));

  private final transient Services services = Services.current();
  private final TextField query = new TextField();
  private final TextField agent = new TextField();
  private final TextField model = new TextField();
  private final Select<String> status = new Select<>();
  private final Select<String> range = new Select<>();
  private final Grid<SpanHit> results = new Grid<>();
  private final Span info = new Span();
  private final Button next = new Button("Next page");
  private final Button previous = new Button("Previous page");
  /** Cursors of the pages before the current one (null: the first page). */
  private final Deque<@Nullable String> back = new ArrayDeque<>();
  private @Nullable String current;
  private @Nullable String nextCursor;

  public TracesView() {
    query.setId("trace-search");
    query.setPlaceholder("e.g. invoice AND status:ERROR");
    query.setWidth("30em");
    query.setClearButtonVisible(true);
    agent.setPlaceholder("agent");
    agent.setId("trace-agent");
    model.setPlaceholder("model");
    status.setItems("any status", "OK", "ERROR", "UNSET");
    status.setValue("any status");
    range.setItems("all time", "last hour", "last 24 hours", "last 7 days", "last 30 days");
    range.setValue("all time");
    Button search = new Button("Search", e -> {
      back.clear();
      load(null);
    });
    search.setId("trace-search-button");
    search.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
    search.addClickShortcut(Key.ENTER);
    HorizontalLayout bar = new HorizontalLayout(query, agent, model, status, range, search);
    bar.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
    bar.setWrap(true);
    Details help = new Details("Search syntax", new Html("<div style=\"font-size:var(--lumo-font-size-s)\">"
        + "Words match prompts, completions, reasoning, tool arguments and results: <code>refund invoice</code> "
        + "(either), <code>+refund +invoice</code> or <code>refund AND invoice</code> (both), "
        + "<code>\"wire transfer\"</code> (phrase), <code>refund -test</code> (without), <code>inv*</code> (prefix), "
        + "<code>invoce~</code> (fuzzy). Fields: <code>agent:billing</code>, <code>status:ERROR</code>, "
        + "<code>tool:send_payment</code>, <code>model:gpt-4o</code>, <code>name:chat</code>. "
        + "Filters on the right narrow by agent, model, status and time.</div>"));

    results.setId("trace-results");
    results.addThemeVariants(GridVariant.LUMO_COMPACT, GridVariant.LUMO_WRAP_CELL_CONTENT);
    // The span's name opens its logical trace.
    results.addComponentColumn(h -> new RouterLink(h.span().name(), TraceView.class,
        new RouteParameters("id", h.span().logicalTraceId().isEmpty() ? h.span().traceId() : h.span().logicalTraceId())))
        .setHeader("Span (opens its logical trace)").setAutoWidth(true);
    results.addColumn(h -> Pages.time(Instant.ofEpochSecond(0, h.span().startEpochNanos()))).setHeader("Start").setAutoWidth(true);
    results.addColumn(h -> h.span().agent()).setHeader("Agent").setAutoWidth(true);
    results.addColumn(h -> model(h.span())).setHeader("Model").setAutoWidth(true);
    results.addColumn(h -> h.span().inputTokens() + h.span().outputTokens()).setHeader("Tokens").setAutoWidth(true);
    results.addColumn(h -> Pages.usd(h.span().costUsd())).setHeader("Cost").setAutoWidth(true);
    results.addComponentColumn(h -> Pages.badge(h.span().status(), h.span().status().equals("ERROR") ? "error" : ""))
        .setHeader("Status").setAutoWidth(true);
    // Highlights come from the trace store with the text HTML-escaped and matches in <em>.
    results.addComponentColumn(h -> new Html("<span class=\"trace-highlight\">"
        + (h.highlights().isEmpty() ? Pages.escape(h.span().intent()) : String.join(" … ", h.highlights())) + "</span>"))
        .setHeader("Matches").setFlexGrow(3);
    results.setAllRowsVisible(true);

    previous.setId("trace-previous");
    previous.addClickListener(e -> {
      if (!back.isEmpty()) {
        load(back.pop());
      }
    });
    next.setId("trace-next");
    next.addClickListener(e -> {
      if (nextCursor != null) {
        back.push(current == null ? "" : current);
        load(nextCursor);
      }
    });
    info.setId("trace-info");
    add(new H2("Traces"), bar, help, info, results, new HorizontalLayout(previous, next));
    load(null);
  }

  private static String model(SpanRecord s) {
    return s.responseModel().isEmpty() ? s.requestModel() : s.responseModel();
  }

  private void load(@Nullable String cursor) {
    String c = cursor == null || cursor.isEmpty() ? null : cursor;
    Duration within = RANGES.get(range.getValue());
    Instant from = within == null ? null : services.clock().instant().minus(within);
    try {
      SearchPage page = services.traces().search(new SpanQuery(query.getValue().strip(), blank(agent.getValue()),
          blank(model.getValue()), status.getValue().startsWith("any") ? null : status.getValue(), from, null, null,
          null, null, c, PAGE));
      current = c;
      nextCursor = page.nextCursor();
      results.setItems(page.hits());
      info.setText(page.hits().isEmpty() ? "No spans match." : page.hits().size() + " spans"
          + (nextCursor == null ? "" : ", more on the next page"));
    } catch (Exception e) {
      // A malformed query is invalid_input naming what is wrong: show it, keep the page.
      Pages.error(e.getMessage() == null ? e.toString() : e.getMessage());
      info.setText("Search failed: " + e.getMessage());
    }
    next.setEnabled(nextCursor != null);
    previous.setEnabled(!back.isEmpty());
  }

  private static @Nullable String blank(String s) {
    return s.isBlank() ? null : s.strip();
  }
}
