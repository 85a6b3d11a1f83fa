package io.warden.ui.internal;

import com.vaadin.flow.data.provider.QuerySortOrder;
import com.vaadin.flow.data.provider.SortDirection;
import io.warden.core.approval.Approval;
import io.warden.core.budget.BudgetUsage;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.inventory.AgentState;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * One line of the Inventory. The inventory itself is an in-memory snapshot; what costs a lookup per
 * agent (budget usage) is read only for the rows of the page being shown. Internal.
 */
public record AgentRow(
    String name, String owner, String model, String executor, String status, String message, String revision,
    long callsLastHour, BigDecimal usdToday, @Nullable BigDecimal usdPerDay, long pendingApprovals, long driftEvents) {

  /** Sortable columns: property name to order. */
  static final Map<String, Comparator<AgentState>> SORTS = Map.of(
      "name", Comparator.comparing(AgentState::name),
      "owner", Comparator.comparing(s -> nz(s.descriptor().metadata().owner())),
      "model", Comparator.comparing(AgentRow::model),
      "executor", Comparator.comparing(AgentRow::executor),
      "status", Comparator.comparing(s -> s.status().name()));

  /** The agents matching {@code filter}, in the requested order, rows {@code offset..offset+limit}. */
  static List<AgentRow> page(List<AgentState> agents, String filter, List<QuerySortOrder> sort, int offset, int limit,
      Function<String, BudgetUsage> usage, Map<String, Long> pending, Map<String, Long> drift) {
    return matching(agents, filter).sorted(order(sort)).skip(offset).limit(limit)
        .map(s -> of(s, usage.apply(s.name()), pending.getOrDefault(s.name(), 0L), drift.getOrDefault(s.name(), 0L)))
        .toList();
  }

  static int count(List<AgentState> agents, String filter) {
    return (int) matching(agents, filter).count();
  }

  static Map<String, Long> pendingByAgent(List<Approval> pending) {
    Map<String, Long> out = new HashMap<>();
    pending.forEach(a -> out.merge(a.agent(), 1L, Long::sum));
    return out;
  }

  private static Stream<AgentState> matching(List<AgentState> agents, String filter) {
    String f = filter.strip().toLowerCase(Locale.ROOT);
    if (f.isEmpty()) {
      return agents.stream();
    }
    return agents.stream().filter(s -> (s.name() + " " + nz(s.descriptor().metadata().owner()) + " " + model(s)
        + " " + executor(s) + " " + s.status().name()).toLowerCase(Locale.ROOT).contains(f));
  }

  private static Comparator<AgentState> order(List<QuerySortOrder> sort) {
    Comparator<AgentState> c = null;
    for (QuerySortOrder o : sort) {
      Comparator<AgentState> next = SORTS.get(o.getSorted());
      if (next != null) {
        next = o.getDirection() == SortDirection.DESCENDING ? next.reversed() : next;
        c = c == null ? next : c.thenComparing(next);
      }
    }
    return c == null ? SORTS.get("name") : c.thenComparing(SORTS.get("name"));
  }

  static AgentRow of(AgentState s, BudgetUsage usage, long pending, long drift) {
    AgentDescriptor.Budgets b = s.descriptor().spec().budgets();
    return new AgentRow(s.name(), nz(s.descriptor().metadata().owner()), model(s), executor(s), status(s),
        s.message(), s.revision(), usage.callsLastHour(), usage.usdSpentToday(), b == null ? null : b.usdPerDay(),
        pending, drift);
  }

  /** {@code provider/name@pinned_revision}. */
  static String model(AgentState s) {
    AgentDescriptor.Model m = s.descriptor().spec().model();
    if (m == null) {
      return "";
    }
    return (m.provider() == null ? "" : m.provider() + "/") + nz(m.name())
        + (m.pinnedRevision() == null ? "" : "@" + m.pinnedRevision());
  }

  static String executor(AgentState s) {
    AgentDescriptor.Executor e = s.descriptor().spec().executor();
    return e == null || e.type() == null ? "" : e.type();
  }

  /** Synced, OutOfSync or Degraded, as the issue and the CLI name them. */
  static String status(AgentState s) {
    return switch (s.status()) {
      case SYNCED -> "Synced";
      case OUT_OF_SYNC -> "OutOfSync";
      case DEGRADED -> "Degraded";
    };
  }

  private static String nz(@Nullable String s) {
    return s == null ? "" : s;
  }
}
