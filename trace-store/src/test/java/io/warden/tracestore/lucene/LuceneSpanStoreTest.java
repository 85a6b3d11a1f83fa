package io.warden.tracestore.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.warden.core.WardenException;
import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import io.warden.core.trace.SpanStore;
import io.warden.core.trace.SpanStore.CostGroup;
import io.warden.tracestore.SearchPage;
import io.warden.tracestore.SpanHit;
import io.warden.tracestore.internal.ingest.IngestBatch;
import io.warden.tracestore.internal.ingest.SpanMapper;
import io.warden.core.trace.SpanText;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LuceneSpanStoreTest {
  private static final long DAY = 86_400_000_000_000L;
  private static final long T0 = Instant.parse("2026-05-01T10:00:00Z").getEpochSecond() * 1_000_000_000L;

  @TempDir
  Path dir;

  private LuceneSpanStore store;

  @BeforeEach
  void open() {
    store = LuceneSpanStore.open(dir);
  }

  @AfterEach
  void close() {
    store.close();
  }

  static SpanRecord span(int n, String agent, String model, String tool, String status, long start, String cost,
      String text) {
    String id = String.format("%016x", n + 1);
    return new SpanRecord("a".repeat(32), id, "", "a".repeat(32), "span " + n, "svc", agent, "chat", start,
        start + 1000, status, "", model, "", 10, 5, 0, tool, "", "", List.of(agent), new BigDecimal(cost), text,
        Map.of(SpanMapper.COST_TOKENS, tool.isEmpty() ? cost : "0", SpanMapper.COST_ACTIONS, tool.isEmpty() ? "0" : cost,
            SpanMapper.COST_COMPUTE, "0"), List.of());
  }

  private static SpanQuery q(String text) {
    return new SpanQuery(text, null, null, null, null, null, null, null, null, null, 100);
  }

  private List<SpanRecord> search(SpanQuery q) throws Exception {
    store.refreshNow();
    return store.search(q, true).hits().stream().map(SpanHit::span).toList();
  }

  private void seed() throws Exception {
    store.write(List.of(
        span(1, "planner", "gpt-4o", "", "OK", T0, "0.50", "refund for invoice 4711 approved"),
        span(2, "researcher", "claude-opus-4-7", "", "ERROR", T0 + 1000, "2.00", "ledger lookup for invoice 4711"),
        span(3, "researcher", "", "ledger-read", "OK", T0 + DAY, "0.002", "{\"account\":\"ACME-991\"}"),
        span(4, "planner", "gpt-4o", "", "OK", T0 + 2 * DAY, "0.10", "weekly summary")));
  }

  @Test
  void search_fullTextAndFields_newestFirstWithHighlights() throws Exception {
    seed();
    store.refreshNow();
    SearchPage page = store.search(q("invoice AND 4711"), true);
    assertThat(page.hits()).extracting(h -> h.span().spanId()).containsExactly(
        "0000000000000003", "0000000000000002");
    assertThat(page.hits().get(0).highlights()).containsExactly("ledger lookup for <em>invoice</em> <em>4711</em>");
    assertThat(search(q("agent:Researcher AND status:error"))).extracting(SpanRecord::spanId)
        .containsExactly("0000000000000003");
    assertThat(search(q("ACME-991"))).extracting(SpanRecord::toolName).containsExactly("ledger-read");
    assertThat(search(q("name:\"span 4\""))).hasSize(1);
  }

  @Test
  void search_filters_combine() throws Exception {
    seed();
    assertThat(search(new SpanQuery(null, "planner", "gpt-4o", null, null, null, null, null, null, null, 10)))
        .hasSize(2);
    assertThat(search(new SpanQuery(null, null, null, "ok", Instant.ofEpochSecond(0, T0 + 1),
        Instant.ofEpochSecond(0, T0 + 2 * DAY), null, null, null, null, 10))).extracting(SpanRecord::spanId)
        .containsExactly("0000000000000004");
    assertThat(search(new SpanQuery(null, null, null, null, null, null, new BigDecimal("0.5"), null, null, null, 10)))
        .extracting(SpanRecord::spanId).containsExactlyInAnyOrder("0000000000000002", "0000000000000003");
  }

  @Test
  void search_cursor_walksEveryHitOnce() throws Exception {
    List<SpanRecord> spans = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      spans.add(span(i, "planner", "", "", "OK", T0 + (i % 5), "0", "same"));
    }
    store.write(spans);
    store.refreshNow();
    assertThat(everyPage("same", 7)).extracting(SpanRecord::spanId).hasSize(25).doesNotHaveDuplicates();
  }

  /** Every hit of {@code text}, page after page of {@code pageSize} by the cursor. */
  private List<SpanRecord> everyPage(String text, int pageSize) throws Exception {
    List<SpanRecord> seen = new ArrayList<>();
    String cursor = null;
    do {
      SearchPage p = store.search(new SpanQuery(text, null, null, null, null, null, null, null, null, cursor, pageSize),
          false);
      p.hits().forEach(h -> seen.add(h.span()));
      cursor = p.nextCursor();
    } while (cursor != null);
    return seen;
  }

  @Test
  void search_newestFirst_acrossSegmentsWrittenOutOfOrder() throws Exception {
    // Three segments: the middle days, then the newest, then the oldest (late arrivals); the segments
    // are searched newest first, and a page must still be in start order across them.
    int n = 0;
    for (long day : new long[] {10, 20, 0}) {
      List<SpanRecord> spans = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        spans.add(span(n++, "planner", "", "", "OK", T0 + (day + i) * DAY, "0", "same"));
      }
      store.write(spans);
      store.commit();
    }
    store.refreshNow();
    assertThat(everyPage("same", 4)).extracting(SpanRecord::startEpochNanos).hasSize(30).doesNotHaveDuplicates()
        .isSortedAccordingTo(java.util.Comparator.reverseOrder());
  }

  @Test
  void search_malformedQuery_namesTheColumn() {
    assertThatThrownBy(() -> store.search(q("invoice AND (4711"), false))
        .isInstanceOfSatisfying(WardenException.class, e -> {
          assertThat(e.code()).isEqualTo("invalid_input");
          assertThat(e.getMessage()).startsWith("malformed query at column 18: unexpected end of query;");
        });
    assertThatThrownBy(() -> store.search(q("refund AND OR invoice"), false))
        .hasMessageStartingWith("malformed query at column 12: unexpected 'OR';");
    assertThatThrownBy(() -> store.search(q("\"unclosed phrase"), false))
        .hasMessageStartingWith("malformed query at column 17: unexpected end of query (unclosed quote or range?)");
    assertThatThrownBy(() -> store.search(q("*leading"), false)).hasMessageContaining("malformed query");
    assertThatThrownBy(() -> store.search(new SpanQuery(null, null, null, null, null, null, null, null, null,
        "%%%", 10), false)).hasMessageContaining("invalid cursor");
  }

  /** The README's example: both words, one in the status message and one in the intent. */
  @Test
  void search_readmeExample_findsWordsOfStatusMessageAndIntentWithStatusFilter() throws Exception {
    SpanRecord failed = withStatusAndIntent(span(1, "planner", "gpt-4o", "", "ERROR", T0, "0.1", ""),
        "ledger lookup for invoice 4711 timed out", "Handle the refund for ACME");
    SpanRecord ok = withStatusAndIntent(span(2, "planner", "gpt-4o", "", "OK", T0 + 1, "0.1", ""),
        "", "Handle the refund for invoice 4712");
    store.write(List.of(failed, ok, span(3, "planner", "", "", "ERROR", T0 + 2, "0", "invoice only")));
    SpanQuery readme = new SpanQuery("invoice AND refund", null, null, "ERROR", null, null, null, null, null,
        null, 100);
    assertThat(search(readme)).extracting(SpanRecord::spanId).containsExactly(failed.spanId());
    assertThat(search(q("refund AND invoice"))).extracting(SpanRecord::spanId)
        .containsExactly(ok.spanId(), failed.spanId());
    assertThat(search(q("status_message:\"timed out\""))).extracting(SpanRecord::spanId)
        .containsExactly(failed.spanId());
  }

  @Test
  void search_reasoningField_findsOnlyWhatTheModelReasoned() throws Exception {
    String text = "Can order 9913 be refunded?\nThe refund policy allows 30 days.\nYes.";
    int start = text.indexOf("The refund");
    int end = text.indexOf("\nYes");
    SpanRecord reasoned = span(1, "planner", "gpt-4o", "", "OK", T0, "0.1", text);
    reasoned = new SpanRecord(reasoned.traceId(), reasoned.spanId(), "", reasoned.logicalTraceId(), reasoned.name(),
        "svc", "planner", "chat", T0, T0 + 1000, "OK", "", "gpt-4o", "", 10, 5, 0, "", "", "", List.of("planner"),
        reasoned.costUsd(), text, Map.of(SpanDocuments.REASONING_RANGES, start + "-" + end), List.of());
    SpanRecord asked = span(2, "planner", "gpt-4o", "", "OK", T0 + 1, "0.1", "Is a refund possible?");
    store.write(List.of(reasoned, asked));
    assertThat(search(q("reasoning:refund"))).extracting(SpanRecord::spanId).containsExactly(reasoned.spanId());
    assertThat(search(q("reasoning:policy AND 9913"))).extracting(SpanRecord::spanId)
        .containsExactly(reasoned.spanId());
    assertThat(search(q("reasoning:refunded"))).as("the question is not reasoning").isEmpty();
    assertThat(search(q("refund"))).extracting(SpanRecord::spanId)
        .containsExactlyInAnyOrder(reasoned.spanId(), asked.spanId());
  }

  @Test
  void reasoning_rangesPastTheTextOrDamaged_giveWhatIsThere() {
    assertThat(SpanDocuments.reasoning("abcdef", "1-3,4-99")).isEqualTo("bc\nef");
    assertThat(SpanDocuments.reasoning("abcdef", "x-3,7-9,")).isEmpty();
    assertThat(SpanDocuments.reasoning("", "0-3")).isEmpty();
    assertThat(SpanDocuments.REASONING_RANGES)
        .isEqualTo(io.warden.tracestore.internal.ingest.TextExtractor.REASONING_RANGES);
  }

  @Test
  void search_bareWordOfASpanName_findsTheSpanByEachPartAndWhole() throws Exception {
    SpanRecord dotted = renamed(span(1, "planner", "", "", "OK", T0, "0", ""), "invoice.lookup");
    SpanRecord mixed = renamed(span(2, "planner", "", "", "OK", T0 + 1, "0", ""), "mcp/ledgerRead_v2-fetch");
    store.write(List.of(dotted, mixed));
    assertThat(search(q("invoice"))).extracting(SpanRecord::spanId).containsExactly(dotted.spanId());
    assertThat(search(q("lookup"))).extracting(SpanRecord::spanId).containsExactly(dotted.spanId());
    assertThat(search(q("name:\"invoice.lookup\""))).extracting(SpanRecord::spanId).containsExactly(dotted.spanId());
    assertThat(search(q("invoice.lookup"))).extracting(SpanRecord::spanId).containsExactly(dotted.spanId());
    for (String word : List.of("ledger", "Read", "fetch", "mcp", "v2")) {
      assertThat(search(q(word))).as(word).extracting(SpanRecord::spanId).containsExactly(mixed.spanId());
    }
    assertThat(search(q("name:\"mcp/ledgerRead_v2-fetch\""))).extracting(SpanRecord::spanId)
        .containsExactly(mixed.spanId());
  }

  @Test
  void bigMergesYieldWhileWritesSayTheIndexIsBehind() throws Exception {
    List<SpanRecord> backlog = new ArrayList<>();
    for (int i = 0; i < LuceneSpanStore.BEHIND_BATCH_SPANS; i++) {
      backlog.add(span(i, "planner", "gpt-4o", "", "OK", T0 + i, "0.01", "catching up " + i));
    }
    store.write(backlog);
    assertThat(store.bigMergesYield()).isTrue();

    store.write(List.of(span(LuceneSpanStore.BEHIND_BATCH_SPANS, "planner", "gpt-4o", "", "OK", T0, "0.01", "caught up")));
    assertThat(store.bigMergesYield()).isFalse();
    assertThat(search(q("caught AND up"))).hasSize(1);
    assertThat(search(q("catching"))).hasSize(100); // the page's limit: every one was indexed
  }

  private static SpanRecord withStatusAndIntent(SpanRecord s, String statusMessage, String intent) {
    return new SpanRecord(s.traceId(), s.spanId(), s.parentSpanId(), s.logicalTraceId(), s.name(), s.service(),
        s.agent(), s.operation(), s.startEpochNanos(), s.endEpochNanos(), s.status(), statusMessage,
        s.requestModel(), s.responseModel(), s.inputTokens(), s.outputTokens(), s.cachedTokens(), s.toolName(),
        s.conversationId(), intent, s.delegationChain(), s.costUsd(), s.text(), s.attributes(), s.links());
  }

  private static SpanRecord renamed(SpanRecord s, String name) {
    return new SpanRecord(s.traceId(), s.spanId(), s.parentSpanId(), s.logicalTraceId(), name, s.service(),
        s.agent(), s.operation(), s.startEpochNanos(), s.endEpochNanos(), s.status(), s.statusMessage(),
        s.requestModel(), s.responseModel(), s.inputTokens(), s.outputTokens(), s.cachedTokens(), s.toolName(),
        s.conversationId(), s.intent(), s.delegationChain(), s.costUsd(), s.text(), s.attributes(), s.links());
  }

  @Test
  void write_sameSpanTwice_isStoredOnce() throws Exception {
    seed();
    seed();
    store.refreshNow();
    assertThat(store.count()).isEqualTo(4);
  }

  @Test
  void write_spanResentAfterARestart_isStoredAndCountedOnce() throws Exception {
    List<SpanRecord> batch = List.of(span(1, "planner", "", "", "OK", T0, "0.25", "a"),
        span(2, "planner", "", "", "OK", T0, "0.50", "b"));
    store.write(batch);
    store.commit();
    store.close();
    store = LuceneSpanStore.open(dir);
    store.write(batch);
    store.refreshNow();
    assertThat(store.count()).isEqualTo(2);
    assertThat(store.costs(CostGroup.AGENT, null, null)).singleElement()
        .satisfies(r -> assertThat(r.totalUsd()).isEqualByComparingTo("0.75"));
  }

  @Test
  void write_resentWhileTheSearcherRefreshesOnAnotherThread_isStoredOnce() throws Exception {
    // New spans are appended and only spans stored before are updated: a lookup that missed a span
    // written a moment ago (not yet in the searcher, or in a searcher older than the refresh that
    // showed it) would store it twice.
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
    Thread refresher = Thread.ofPlatform().start(() -> {
      while (!done.get()) {
        try {
          store.refreshNow();
        } catch (Throwable t) {
          failed.set(t);
          return;
        }
      }
    });
    java.util.Random random = new java.util.Random(7);
    List<List<SpanRecord>> batches = new ArrayList<>();
    try {
      for (int b = 0; b < 60; b++) {
        List<SpanRecord> batch = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
          batch.add(span(b * 300 + i, "planner", "", "", "OK", T0 + b, "0.01", "text " + b));
        }
        // New spans, then the batch before (written a moment ago: a refresh may end in between),
        // then an older one.
        List<SpanRecord> write = new ArrayList<>(batch);
        write.addAll(batches.isEmpty() ? List.of() : batches.get(b - 1));
        batches.add(batch);
        store.write(write);
        store.write(batches.get(random.nextInt(batches.size())));
      }
    } finally {
      done.set(true);
      refresher.join();
    }
    assertThat(failed.get()).isNull();
    store.refreshNow();
    assertThat(store.count()).isEqualTo(60 * 300);
    assertThat(store.costs(CostGroup.AGENT, null, null)).singleElement()
        .satisfies(r -> assertThat(r.totalUsd()).isEqualByComparingTo("180.00"));
  }

  @Test
  void write_pastTheStoredKeyFiltersCapacity_rebuildsItAndStillStoresEachSpanOnce() throws Exception {
    int spans = (int) SpanKeyFilter.MIN_CAPACITY + 5_000;
    List<SpanRecord> first = new ArrayList<>();
    List<SpanRecord> last = new ArrayList<>();
    for (int b = 0; b * 5_000 < spans; b++) {
      List<SpanRecord> batch = new ArrayList<>();
      for (int i = b * 5_000; i < Math.min(spans, (b + 1) * 5_000); i++) {
        batch.add(span(i, "planner", "", "", "OK", T0 + i, "0.01", ""));
      }
      store.write(batch);
      (b == 0 ? first : last).clear();
      (b == 0 ? first : last).addAll(batch);
    }
    assertThat(store.storedKeyCapacity()).isGreaterThan(SpanKeyFilter.MIN_CAPACITY);
    store.write(first); // stored before the rebuild: found through the new filter
    store.write(last);
    store.refreshNow();
    assertThat(store.count()).isEqualTo(spans);
  }

  @Test
  void costs_groupByEachKey() throws Exception {
    seed();
    store.refreshNow();
    List<SpanStore.CostRow> byAgent = store.costs(CostGroup.AGENT, null, null);
    assertThat(byAgent).extracting(SpanStore.CostRow::key).containsExactly("researcher", "planner");
    assertThat(byAgent.get(0).totalUsd()).isEqualByComparingTo("2.002");
    assertThat(byAgent.get(0).actionsUsd()).isEqualByComparingTo("0.002");
    assertThat(byAgent.get(0).spans()).isEqualTo(2);
    assertThat(store.costs(CostGroup.DAY, null, null)).extracting(SpanStore.CostRow::key)
        .containsExactlyInAnyOrder("2026-05-01", "2026-05-02", "2026-05-03");
    assertThat(store.costs(CostGroup.TOOL, Instant.ofEpochSecond(0, T0 + DAY), null)).extracting(SpanStore.CostRow::key)
        .containsExactlyInAnyOrder("ledger-read", "");
    assertThat(store.costs(CostGroup.MODEL, null, Instant.ofEpochSecond(0, T0 + DAY))).extracting(SpanStore.CostRow::key)
        .containsExactly("claude-opus-4-7", "gpt-4o");
    assertThatThrownBy(() -> CostGroup.parse("planet")).hasMessageContaining("expected one of agent");
  }

  @Test
  void enforceRetention_dropsOldSpansAndOlderText() throws Exception {
    seed();
    SpanStore.Retained r = store.enforceRetention(Instant.ofEpochSecond(0, T0 + DAY),
        Instant.ofEpochSecond(0, T0 + 2 * DAY));
    assertThat(r).isEqualTo(new SpanStore.Retained(2, 1));
    assertThat(store.count()).isEqualTo(2);
    assertThat(search(q("ACME"))).isEmpty();
    SpanRecord kept = store.trace("a".repeat(32)).stream().filter(s -> s.spanId().equals("0000000000000004")).findFirst()
        .orElseThrow();
    assertThat(kept.text()).isEmpty();
    assertThat(kept.toolName()).isEqualTo("ledger-read");
    assertThat(search(q("weekly"))).hasSize(1);
  }

  @Test
  void attach_textBeforeAndAfterTheSpan_endsUpInTheSpan() throws Exception {
    SpanRecord s1 = span(1, "planner", "", "", "OK", T0, "0", "first");
    store.write(List.of(s1));
    store.attach(List.of(
        new SpanText(s1.traceId(), s1.spanId(), "planner", T0, "prompt about refunds"),
        new SpanText(s1.traceId(), "0000000000000009", "planner", T0, "completion about chargebacks")));
    assertThat(search(q("refunds"))).extracting(SpanRecord::spanId).containsExactly(s1.spanId());
    assertThat(search(q("chargebacks"))).isEmpty();
    // The waiting text survives a restart and joins its span when it arrives.
    store.commit();
    store.close();
    store = LuceneSpanStore.open(dir);
    store.write(List.of(span(8, "planner", "", "", "OK", T0, "0", "second")));
    List<SpanRecord> found = search(q("chargebacks"));
    assertThat(found).extracting(SpanRecord::spanId).containsExactly("0000000000000009");
    assertThat(found.get(0).text()).isEqualTo("second\ncompletion about chargebacks");
    assertThat(store.count()).isEqualTo(2);
  }

  private static SpanText text(SpanRecord span, String text) {
    return new SpanText(span.traceId(), span.spanId(), span.agent(), span.startEpochNanos() + 10, text);
  }

  /** {@code word} finds the one span stored, and its text is {@code text}. */
  private void assertOnlySpanFound(String word, String text) throws Exception {
    assertThat(search(q(word))).extracting(SpanRecord::text).containsExactly(text);
    assertThat(store.count()).isEqualTo(1);
  }

  /** The one span stored under {@code span}'s ids (fails if there are more). */
  private SpanRecord stored(SpanRecord span) throws Exception {
    store.refreshNow();
    return store.trace(span.traceId()).stream().filter(s -> s.spanId().equals(span.spanId()))
        .reduce((a, b) -> {
          throw new AssertionError("span " + span.key() + " stored twice");
        }).orElseThrow();
  }

  private void reopen() {
    store.close();
    store = LuceneSpanStore.open(dir);
  }

  @Test
  void attach_toAStoredSpan_thenTheSpanResent_keepsTheText() throws Exception {
    SpanRecord s1 = span(1, "planner", "", "", "OK", T0, "0", "first");
    SpanRecord other = span(2, "planner", "", "", "OK", T0 + 1, "0", "other");
    store.write(List.of(s1, other));
    store.attach(List.of(text(s1, "prompt about refunds")));
    // Resent at once (before any refresh), then again later: the text stays, once.
    store.write(List.of(s1, other));
    assertThat(stored(s1).text()).isEqualTo("first\nprompt about refunds");
    store.write(List.of(s1));
    assertThat(search(q("refunds"))).extracting(SpanRecord::text).containsExactly("first\nprompt about refunds");
    assertThat(stored(other).text()).isEqualTo("other");
    assertThat(store.count()).isEqualTo(2);
  }

  @Test
  void attach_beforeTheSpan_thenTheSpanArrivesAndIsResent_keepsTheText() throws Exception {
    SpanRecord s1 = span(1, "planner", "", "", "OK", T0, "0", "first");
    store.attach(List.of(text(s1, "completion about chargebacks")));
    store.write(List.of(s1));
    store.write(List.of(s1));
    assertThat(stored(s1).text()).isEqualTo("first\ncompletion about chargebacks");
    store.write(List.of(s1));
    assertOnlySpanFound("chargebacks", "first\ncompletion about chargebacks");
  }

  @Test
  void attach_moreTextAfterAResend_isJoinedInOrderAndNotRepeated() throws Exception {
    SpanRecord s1 = span(1, "planner", "", "", "OK", T0, "0", "first");
    store.attach(List.of(text(s1, "one")));
    store.write(List.of(s1));
    store.attach(List.of(text(s1, "two"), text(s1, "three")));
    store.write(List.of(s1));
    store.attach(List.of(text(s1, "four")));
    store.write(List.of(s1));
    store.write(List.of(s1));
    assertThat(stored(s1).text()).isEqualTo("first\none\ntwo\nthree\nfour");
  }

  @Test
  void attach_toAStoredSpan_thenRestart_thenTheSpanResent_keepsTheText() throws Exception {
    SpanRecord s1 = span(1, "planner", "", "", "OK", T0, "0", "first");
    store.write(List.of(s1));
    store.attach(List.of(text(s1, "prompt about refunds")));
    store.commit();
    reopen();
    store.write(List.of(s1));
    store.write(List.of(s1));
    assertThat(stored(s1).text()).isEqualTo("first\nprompt about refunds");
    assertThat(search(q("refunds"))).hasSize(1);
  }

  @Test
  void attach_beforeTheSpan_withRestartsBetween_thenTheSpanResent_keepsTheText() throws Exception {
    SpanRecord s1 = span(1, "planner", "", "", "OK", T0, "0", "first");
    store.attach(List.of(text(s1, "completion about chargebacks")));
    store.commit();
    reopen();
    store.write(List.of(s1));
    store.commit();
    reopen();
    store.write(List.of(s1));
    assertThat(stored(s1).text()).isEqualTo("first\ncompletion about chargebacks");
    store.commit();
    reopen();
    store.write(List.of(s1));
    assertOnlySpanFound("chargebacks", "first\ncompletion about chargebacks");
  }

  @Test
  void attachedText_isNeitherCountedNorFoundNorCosted() throws Exception {
    SpanRecord s1 = span(1, "planner", "gpt-4o", "", "OK", T0, "0.50", "first");
    SpanRecord s2 = span(2, "planner", "gpt-4o", "", "OK", T0 + 1, "0.25", "second");
    store.write(List.of(s1));
    store.attach(List.of(text(s1, "prompt about refunds"), text(s2, "completion about chargebacks")));
    store.write(List.of(s2, s1));
    store.refreshNow();
    assertThat(store.count()).isEqualTo(2);
    assertThat(store.trace(s1.traceId())).hasSize(2);
    assertThat(search(q("planner OR refunds OR chargebacks OR first OR second"))).hasSize(2);
    assertThat(store.costs(CostGroup.AGENT, null, null)).singleElement().satisfies(r -> {
      assertThat(r.spans()).isEqualTo(2);
      assertThat(r.totalUsd()).isEqualByComparingTo("0.75");
    });
  }

  @Test
  void enforceRetention_deletesAttachedTextWithItsSpan() throws Exception {
    SpanRecord old = span(1, "planner", "", "", "OK", T0, "0", "first");
    SpanRecord kept = span(2, "planner", "", "", "OK", T0 + 2 * DAY, "0", "second");
    store.write(List.of(old, kept));
    store.attach(List.of(text(old, "prompt about refunds"), text(kept, "completion about chargebacks")));
    store.write(List.of(old, kept));
    SpanStore.Retained r = store.enforceRetention(Instant.ofEpochSecond(0, T0 + DAY), null);
    assertThat(r).isEqualTo(new SpanStore.Retained(1, 0));
    // A replay of the deleted span stores it again, without the text that was deleted with it.
    store.write(List.of(old, kept));
    assertThat(stored(old).text()).isEqualTo("first");
    assertThat(stored(kept).text()).isEqualTo("second\ncompletion about chargebacks");
    reopen();
    store.write(List.of(old, kept));
    assertThat(search(q("refunds"))).isEmpty();
    assertThat(search(q("chargebacks"))).hasSize(1);
  }

  @Test
  void enforceRetention_textRetentionDeletesAttachedText_theSpanResentGetsOnlyItsOwn() throws Exception {
    SpanRecord old = span(1, "planner", "", "", "OK", T0, "0", "first");
    SpanRecord waiting = span(3, "planner", "", "", "OK", T0, "0", "third");
    SpanRecord kept = span(2, "planner", "", "", "OK", T0 + 2 * DAY, "0", "second");
    store.write(List.of(old, kept));
    store.attach(List.of(text(old, "prompt about refunds"), text(kept, "completion about chargebacks"),
        text(waiting, "reasoning about invoices")));
    SpanStore.Retained r = store.enforceRetention(null, Instant.ofEpochSecond(0, T0 + DAY));
    assertThat(r).isEqualTo(new SpanStore.Retained(0, 1));
    assertThat(stored(old).text()).isEmpty();
    store.write(List.of(old, kept, waiting));
    assertThat(stored(old).text()).isEqualTo("first");
    assertThat(stored(waiting).text()).isEqualTo("third");
    assertThat(stored(kept).text()).isEqualTo("second\ncompletion about chargebacks");
    reopen();
    store.write(List.of(old, kept, waiting));
    assertThat(search(q("refunds OR invoices"))).isEmpty();
    assertThat(search(q("chargebacks"))).hasSize(1);
    assertThat(store.count()).isEqualTo(3);
  }

  @Test
  void write_withTheLogsEncodings_storesThemAsTheSource_butNotForASpanWhoseTextWaited() throws Exception {
    SpanRecord waited = span(8, "planner", "", "", "OK", T0, "0", "second");
    SpanRecord plain = span(9, "planner", "", "", "OK", T0 + 1, "0", "third about invoices");
    store.attach(List.of(new SpanText(waited.traceId(), waited.spanId(), "planner", T0, "completion about chargebacks")));
    IngestBatch.Encoded entry = new IngestBatch(List.of(waited, plain), List.of()).encoded();
    store.write(List.of(waited, plain), entry.spanEncodings());
    store.commit();
    // The waiting text joined its span: the log's bytes of that span (without it) were not stored.
    assertThat(search(q("chargebacks"))).singleElement()
        .satisfies(s -> assertThat(s.text()).isEqualTo("second\ncompletion about chargebacks"));
    assertThat(search(q("invoices"))).containsExactly(plain);
    try (org.apache.lucene.store.Directory d = org.apache.lucene.store.FSDirectory.open(dir);
        org.apache.lucene.index.DirectoryReader r = org.apache.lucene.index.DirectoryReader.open(d)) {
      List<byte[]> sources = new ArrayList<>();
      org.apache.lucene.util.Bits live = org.apache.lucene.index.MultiBits.getLiveDocs(r);
      for (int doc = 0; doc < r.maxDoc(); doc++) {
        org.apache.lucene.util.BytesRef b = r.storedFields().document(doc).getBinaryValue(SpanDocuments.SOURCE);
        if (b != null && (live == null || live.get(doc))) {
          sources.add(java.util.Arrays.copyOfRange(b.bytes, b.offset, b.offset + b.length));
        }
      }
      assertThat(sources).contains(io.warden.core.trace.SpanCodec.encode(plain));
    }
    assertThatThrownBy(() -> store.write(List.of(plain), List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 spans but 0 encodings");
  }
}
