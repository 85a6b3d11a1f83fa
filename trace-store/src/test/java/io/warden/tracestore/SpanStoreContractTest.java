package io.warden.tracestore;

import static io.warden.tracestore.SpanFixtures.BASE;
import static io.warden.tracestore.SpanFixtures.assertSameSpans;
import static io.warden.tracestore.SpanFixtures.dataset;
import static io.warden.tracestore.SpanFixtures.hex32;
import static io.warden.tracestore.SpanFixtures.keys;
import static io.warden.tracestore.SpanFixtures.newestFirst;
import static io.warden.tracestore.SpanFixtures.query;
import static io.warden.tracestore.SpanFixtures.span;
import static io.warden.tracestore.SpanFixtures.start;
import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.trace.SpanCost;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanStore;
import io.warden.core.trace.SpanStore.CostGroup;
import io.warden.core.trace.SpanStore.CostRow;
import io.warden.tracestore.internal.ingest.IngestBatch;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every {@link SpanStore} promises, tested once: an implementation's test extends this class
 * and says how to make an empty store (Lucene's {@code Base*TestCase} pattern). Idempotent writes,
 * every field read back, every filter, paging without gaps or repeats, every cost group, retention.
 */
public abstract class SpanStoreContractTest {
  /** Spans older than this are gone after {@link #expire}. */
  protected static final Duration RETENTION = Duration.ofDays(30);

  private final List<SpanStore> opened = new ArrayList<>();

  /** A new, empty store keeping spans for {@link #RETENTION}. */
  protected abstract SpanStore newStore() throws Exception;

  /** Returns once everything written is visible to queries (Lucene refreshes its searcher). */
  protected void settle(SpanStore store) throws Exception {}

  /**
   * Runs retention for spans that started before {@code before} as production does and settles;
   * stores that expire spans themselves override it to let the engine act now.
   */
  protected void expire(SpanStore store, Instant before) throws Exception {
    store.enforceRetention(before, null);
    settle(store);
  }

  private SpanStore store() throws Exception {
    SpanStore s = newStore();
    opened.add(s);
    return s;
  }

  private SpanStore storeWith(List<SpanRecord> spans) throws Exception {
    SpanStore s = store();
    s.write(spans);
    s.commit();
    settle(s);
    return s;
  }

  @AfterEach
  void closeStores() {
    opened.forEach(SpanStore::close);
  }

  @Test
  void write_everyField_readsBackFieldForField() throws Exception {
    List<SpanRecord> spans = List.of(
        span("a1", 1, "agent-a", "chat", 0).models("gpt-4o", "gpt-4o-2024-08-06").build(),
        span("a1", 2, "agent-a", "execute_tool", 1).toolName("mcp://gateway/sap-invoice-read")
            .text("arguments {\"id\": \"INV-1\"}\nquote ' backslash \\ tab \t unicode é 😀")
            .attributes(Map.of("gen_ai.tool.call.id", "call_1", "odd'key", "v\\al"))
            .links(List.of(hex32("b2") + ":" + SpanFixtures.hex16(9))).build(),
        span("a1", 3, "agent-b", "invoke_agent", 2).status("ERROR", "boom: it's broken")
            .delegation(List.of("agent-a", "agent-b")).build());
    SpanStore store = storeWith(spans);
    assertSameSpans(store.query(query().limit(10).build()).spans(), newestFirst(spans));
  }

  @Test
  void write_withEachSpansEncodingFromTheLog_storesTheSameSpans() throws Exception {
    List<SpanRecord> spans = List.of(
        span("e1", 1, "agent-a", "chat", 0).models("gpt-4o", "gpt-4o-2024-08-06").text("prompt é 😀").build(),
        span("e1", 2, "agent-b", "execute_tool", 1).toolName("ledger-read").cost("0.25")
            .attributes(Map.of("gen_ai.tool.call.id", "call_1")).build());
    // As the applier hands them over: views of one write-ahead log entry's bytes.
    IngestBatch.Encoded entry = new IngestBatch(spans, List.of()).encoded();
    SpanStore store = store();
    store.write(spans, entry.spanEncodings());
    store.commit();
    settle(store);
    assertSameSpans(store.query(query().limit(10).build()).spans(), newestFirst(spans));
    assertThat(store.costs(CostGroup.AGENT, null, null)).extracting(CostRow::key).containsExactly("agent-b", "agent-a");
  }

  @Test
  void write_sameSpansAgainAndTwiceInOneBatch_isStoredAndCountedOnce() throws Exception {
    List<SpanRecord> spans = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      spans.add(span("d1", i, "agent-a", "chat", i).cost("0.5").build());
    }
    SpanStore store = storeWith(spans);
    store.write(spans); // a write-ahead-log replay, or a client resending what it had acknowledged
    store.write(List.of(spans.get(0), spans.get(0)));
    store.commit();
    settle(store);
    assertThat(store.query(query().limit(1000).build()).spans()).extracting(SpanFixtures::key)
        .containsExactlyElementsOf(keys(newestFirst(spans)));
    assertThat(store.costs(CostGroup.AGENT, null, null)).singleElement().satisfies(r -> {
      assertThat(r.spans()).isEqualTo(20);
      assertThat(r.totalUsd()).isEqualByComparingTo("10");
    });
  }

  @Test
  void write_changedSpan_replacesTheStoredOne() throws Exception {
    SpanRecord first = span("r1", 1, "agent-a", "chat", 0).cost("1").build();
    SpanStore store = storeWith(List.of(first));
    store.write(List.of(span("r1", 1, "agent-a", "chat", 0).cost("2").status("ERROR", "retried").build()));
    store.commit();
    settle(store);
    assertThat(store.query(query().limit(10).build()).spans()).singleElement()
        .satisfies(s -> assertThat(s.status()).isEqualTo("ERROR"));
    assertThat(store.costs(CostGroup.AGENT, null, null)).singleElement()
        .satisfies(r -> assertThat(r.totalUsd()).isEqualByComparingTo("2"));
  }

  @Test
  void query_eachFilter_returnsExactlyTheMatchingSpansNewestFirst() throws Exception {
    List<SpanRecord> all = dataset();
    SpanStore store = storeWith(all);
    Instant from = BASE.plusSeconds(10);
    Instant to = BASE.plusSeconds(30);
    BigDecimal minCost = new BigDecimal("0.050000000");
    Map<String, SpanFixtures.Q> cases = new TreeMap<>();
    cases.put("none", query());
    cases.put("agent", query().agent("agent-b"));
    cases.put("model (request or response)", query().model("claude-opus-4-7"));
    cases.put("status", query().status("ERROR"));
    cases.put("from/to", query().from(from).to(to));
    cases.put("from only", query().from(to));
    cases.put("min cost", query().minCostUsd(minCost));
    cases.put("trace id", query().traceId(hex32("t2")));
    cases.put("logical trace id", query().logicalTraceId(hex32("l1")));
    cases.put("all together", query().agent("agent-a").status("OK").from(BASE).to(BASE.plusSeconds(40))
        .minCostUsd(new BigDecimal("0.01")).logicalTraceId(hex32("l1")));
    Map<String, Predicate<SpanRecord>> expect = Map.of(
        "none", s -> true,
        "agent", s -> s.agent().equals("agent-b"),
        "model (request or response)",
        s -> s.requestModel().equals("claude-opus-4-7") || s.responseModel().equals("claude-opus-4-7"),
        "status", s -> s.status().equals("ERROR"),
        "from/to", s -> !start(s).isBefore(from) && start(s).isBefore(to),
        "from only", s -> !start(s).isBefore(to),
        "min cost", s -> s.costUsd().compareTo(minCost) >= 0,
        "trace id", s -> s.traceId().equals(hex32("t2")),
        "logical trace id", s -> s.logicalTraceId().equals(hex32("l1")),
        "all together", s -> s.agent().equals("agent-a") && s.status().equals("OK")
            && !start(s).isBefore(BASE) && start(s).isBefore(BASE.plusSeconds(40))
            && s.costUsd().compareTo(new BigDecimal("0.01")) >= 0 && s.logicalTraceId().equals(hex32("l1")));
    for (Map.Entry<String, SpanFixtures.Q> c : cases.entrySet()) {
      List<SpanRecord> want = newestFirst(all.stream().filter(expect.get(c.getKey())).toList());
      assertThat(want).as(c.getKey() + " selects something").isNotEmpty();
      if (!c.getKey().equals("none")) {
        assertThat(want).as(c.getKey() + " leaves something out").hasSizeLessThan(all.size());
      }
      assertThat(store.query(c.getValue().limit(1000).build()).spans())
          .as(c.getKey()).extracting(SpanFixtures::key).containsExactlyElementsOf(keys(want));
    }
  }

  @Test
  void query_pages_walkAllSpansNewestFirstWithoutGapsOrRepeats() throws Exception {
    List<SpanRecord> all = new ArrayList<>(dataset());
    // Spans starting at the same time: the cursor must still place every one exactly once.
    for (int i = 0; i < 5; i++) {
      all.add(span("t" + (9 - i), 100 + i, "agent-c", "chat", 25).build());
      all.add(span("t9", 200 + i, "agent-c", "chat", 25).build());
    }
    SpanStore store = storeWith(all);
    List<SpanRecord> walked = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      SpanStore.Page page = store.query(query().cursor(cursor).limit(4).build());
      assertThat(page.spans()).hasSizeLessThanOrEqualTo(4);
      walked.addAll(page.spans());
      cursor = page.nextCursor();
      pages++;
    } while (cursor != null && pages < 100);
    assertThat(walked).extracting(SpanFixtures::key).doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(keys(all));
    assertThat(walked).extracting(SpanRecord::startEpochNanos).isSortedAccordingTo(Comparator.reverseOrder());
    assertThat(pages).isBetween((all.size() + 3) / 4, (all.size() + 3) / 4 + 1);
  }

  @ParameterizedTest
  @EnumSource(CostGroup.class)
  void costs_byEachGroup_sumTokensActionsComputeAndTotalPerKey_highestTotalFirst(CostGroup group) throws Exception {
    List<SpanRecord> all = new ArrayList<>(dataset());
    all.add(span("t8", 50, "agent-a", "chat", 0).start(BASE.minus(Duration.ofDays(1))).cost("0.5").build());
    all.add(span("t8", 51, "agent-a", "chat", 0).start(BASE.minus(Duration.ofDays(3))).cost("9").build());
    Instant from = BASE.minus(Duration.ofDays(2));
    Instant to = BASE.plusSeconds(45); // leaves the last spans out
    SpanStore store = storeWith(all);
    Function<SpanRecord, String> keyOf = switch (group) {
      case AGENT -> SpanRecord::agent;
      case MODEL -> s -> s.responseModel().isEmpty() ? s.requestModel() : s.responseModel();
      case TOOL -> SpanRecord::toolName;
      case DAY -> s -> LocalDate.ofInstant(start(s), ZoneOffset.UTC).toString();
    };
    Map<String, BigDecimal[]> expected = new TreeMap<>();
    for (SpanRecord s : all) {
      if (start(s).isBefore(from) || !start(s).isBefore(to)) {
        continue;
      }
      SpanCost split = SpanCost.of(s);
      BigDecimal[] sums = expected.computeIfAbsent(keyOf.apply(s), k -> new BigDecimal[] {
          BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
      sums[0] = sums[0].add(split.tokensUsd());
      sums[1] = sums[1].add(split.actionsUsd());
      sums[2] = sums[2].add(split.computeUsd());
      sums[3] = sums[3].add(s.costUsd());
      sums[4] = sums[4].add(BigDecimal.ONE);
    }
    assertThat(expected).hasSizeGreaterThan(1);
    List<String> order = expected.entrySet().stream()
        .sorted(Comparator.<Map.Entry<String, BigDecimal[]>, BigDecimal>comparing(e -> e.getValue()[3])
            .reversed().thenComparing(Map.Entry::getKey))
        .map(Map.Entry::getKey).toList();
    List<CostRow> rows = store.costs(group, from, to);
    assertThat(rows).extracting(CostRow::key).containsExactlyElementsOf(order);
    for (CostRow row : rows) {
      BigDecimal[] want = expected.get(row.key());
      String what = group.label() + " " + row.key();
      assertThat(row.tokensUsd()).as(what + " tokens").isEqualByComparingTo(want[0]);
      assertThat(row.actionsUsd()).as(what + " actions").isEqualByComparingTo(want[1]);
      assertThat(row.computeUsd()).as(what + " compute").isEqualByComparingTo(want[2]);
      assertThat(row.totalUsd()).as(what + " total").isEqualByComparingTo(want[3]);
      assertThat(row.spans()).as(what + " spans").isEqualTo(want[4].longValue());
    }
  }

  @Test
  void enforceRetention_spansOlderThanTheRetention_areGoneWithTheirCost() throws Exception {
    SpanRecord old = span("f1", 1, "agent-a", "chat", 0).start(BASE.minus(Duration.ofDays(40))).cost("3").build();
    SpanRecord recent = span("f1", 2, "agent-a", "chat", 0).cost("1").build();
    SpanStore store = storeWith(List.of(old, recent));
    expire(store, Instant.now().minus(RETENTION));
    assertThat(store.query(query().limit(10).build()).spans()).extracting(SpanFixtures::key)
        .containsExactly(SpanFixtures.key(recent));
    assertThat(store.costs(CostGroup.AGENT, null, null)).singleElement().satisfies(r -> {
      assertThat(r.spans()).isEqualTo(1);
      assertThat(r.totalUsd()).isEqualByComparingTo("1");
    });
  }

  @Test
  void name_isAsciiWithASchemaVersion() throws Exception {
    assertThat(store().name()).matches("[a-z]+-v[0-9]+");
  }
}
