package io.warden.ui.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.vaadin.flow.data.provider.QuerySortOrder;
import com.vaadin.flow.data.provider.SortDirection;
import io.warden.core.approval.Approval;
import io.warden.core.budget.BudgetUsage;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.SyncStatus;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class AgentRowTest {
  private static AgentState agent(String name, String owner, SyncStatus status) {
    AgentDescriptor d = new AgentDescriptor(AgentDescriptor.API_VERSION, AgentDescriptor.KIND,
        new AgentDescriptor.Metadata(name, owner, Map.of()),
        new AgentDescriptor.Spec(new AgentDescriptor.Model("anthropic", "claude-opus-4-7", "2026-02-14"), null,
            List.of(), new AgentDescriptor.Budgets(100, new BigDecimal("20")), null,
            new AgentDescriptor.Executor("http", "http://x", Map.of()), null, null, null, List.of()));
    return new AgentState(d, "abc", status, "", Instant.EPOCH);
  }

  private static final List<AgentState> THOUSAND = IntStream.range(0, 1000)
      .mapToObj(i -> agent(String.format("agent-%04d", i), i % 2 == 0 ? "finance" : "ops",
          i % 10 == 0 ? SyncStatus.DEGRADED : SyncStatus.SYNCED))
      .toList();

  @Test
  void page_readsUsageOnlyForTheRowsShown() {
    AtomicInteger lookups = new AtomicInteger();
    List<AgentRow> rows = AgentRow.page(THOUSAND, "", List.of(), 100, 50, name -> {
      lookups.incrementAndGet();
      return new BudgetUsage(3, new BigDecimal("1.50"), BigDecimal.ZERO);
    }, Map.of("agent-0100", 2L), Map.of());
    assertThat(rows).hasSize(50);
    assertThat(rows.get(0).name()).isEqualTo("agent-0100");
    assertThat(rows.get(0).pendingApprovals()).isEqualTo(2);
    assertThat(rows.get(0).model()).isEqualTo("anthropic/claude-opus-4-7@2026-02-14");
    assertThat(rows.get(0).usdPerDay()).isEqualByComparingTo("20");
    assertThat(lookups).hasValue(50);
  }

  @Test
  void filter_matchesOwnerAndStatus_andCountAgrees() {
    assertThat(AgentRow.count(THOUSAND, "ops")).isEqualTo(500);
    assertThat(AgentRow.count(THOUSAND, "degraded")).isEqualTo(100);
    List<AgentRow> degraded = AgentRow.page(THOUSAND, "DEGRADED", List.of(), 0, 1000,
        n -> new BudgetUsage(0, BigDecimal.ZERO, BigDecimal.ZERO), Map.of(), Map.of());
    assertThat(degraded).hasSize(100).allMatch(r -> r.status().equals("Degraded"));
  }

  @Test
  void sort_byOwnerDescendingThenName() {
    List<AgentRow> rows = AgentRow.page(THOUSAND, "", List.of(new QuerySortOrder("owner", SortDirection.DESCENDING)),
        0, 3, n -> new BudgetUsage(0, BigDecimal.ZERO, BigDecimal.ZERO), Map.of(), Map.of());
    assertThat(rows).extracting(AgentRow::name).containsExactly("agent-0001", "agent-0003", "agent-0005");
    assertThat(rows).allMatch(r -> r.owner().equals("ops"));
  }

  @Test
  void pendingByAgent_countsPerAgent() {
    List<Approval> pending = new ArrayList<>();
    for (String agent : List.of("a", "b", "a")) {
      pending.add(new Approval("id-" + pending.size(), agent, "pay", "{}", null, "", "", List.of(), "", Instant.EPOCH,
          Instant.EPOCH, Approval.Status.PENDING, "", "", null, null, "", "", ""));
    }
    assertThat(AgentRow.pendingByAgent(pending)).containsEntry("a", 2L).containsEntry("b", 1L);
  }
}
