package io.warden.executors.gateway.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.core.store.StateStore;
import io.warden.executors.gateway.ModelSavings;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * What routing and caching saved, per agent and UTC day, kept in the {@link StateStore} (table
 * {@value #TABLE}, key {@code yyyy-mm-dd/agent}) so the figures survive a restart and can be asked
 * for a window of days. Calls add in memory; {@link #flush()} writes the days that changed in one
 * durable update — the gateway calls it every second off the event loop and at stop, so a crash
 * loses at most the last second of savings figures (never a budget: the budget ledger is apart).
 * Without a store, savings are kept in memory only.
 */
public final class SavingsLedger {
  /** State store table: {@code yyyy-mm-dd/agent} → the day's savings as JSON. */
  public static final String TABLE = "model_savings";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final @Nullable StateStore store;
  private final Clock clock;
  private final Map<Day, ModelSavings> days = new ConcurrentHashMap<>();
  private final Set<Day> dirty = ConcurrentHashMap.newKeySet();

  /** One agent's UTC day; {@link #key()} is its row key in the store. */
  private record Day(LocalDate date, String agent) {
    String key() {
      return date + "/" + agent;
    }
  }

  private SavingsLedger(@Nullable StateStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** Loads the kept days from {@code store} (none without one); a row that does not parse is refused, naming it. */
  public static SavingsLedger open(@Nullable StateStore store, Clock clock) {
    SavingsLedger ledger = new SavingsLedger(store, clock);
    if (store != null) {
      store.table(TABLE).forEach((key, json) -> ledger.days.put(day(key), parse(key, json)));
    }
    return ledger;
  }

  /** Adds one call's savings to its agent's figures for today (UTC). */
  public void add(String agent, ModelSavings call) {
    Day day = new Day(LocalDate.now(clock.withZone(ZoneOffset.UTC)), agent);
    days.merge(day, call, SavingsLedger::sum);
    dirty.add(day);
  }

  /**
   * Savings per agent over the UTC days from {@code from} to {@code to} (both inclusive; null: no
   * bound), agents in name order.
   */
  public Map<String, ModelSavings> byAgent(@Nullable LocalDate from, @Nullable LocalDate to) {
    Map<String, ModelSavings> out = new TreeMap<>();
    days.forEach((day, s) -> {
      if ((from == null || !day.date().isBefore(from)) && (to == null || !day.date().isAfter(to))) {
        out.merge(day.agent(), s, SavingsLedger::sum);
      }
    });
    return out;
  }

  /** The same over the UTC days the window {@code from}–{@code to} touches (null: no bound). */
  public Map<String, ModelSavings> byAgentInWindow(@Nullable Instant from, @Nullable Instant to) {
    return byAgent(from == null ? null : LocalDate.ofInstant(from, ZoneOffset.UTC),
        to == null ? null : LocalDate.ofInstant(to, ZoneOffset.UTC));
  }

  /** Whether this ledger writes to a store ({@link #flush()} does nothing without one). */
  public boolean persistent() {
    return store != null;
  }

  /** Writes the days that changed since the last flush, in one durable update; blocks on the disk. */
  public void flush() {
    if (store == null || dirty.isEmpty()) {
      return;
    }
    Map<String, String> rows = new HashMap<>();
    for (Day day : List.copyOf(dirty)) {
      dirty.remove(day); // before reading the value: an add racing this flush marks it dirty again
      rows.put(day.key(), toJson(days.get(day)));
    }
    store.update(tx -> rows.forEach((key, json) -> tx.put(TABLE, key, json)));
  }

  static ModelSavings sum(ModelSavings a, ModelSavings b) {
    return new ModelSavings(a.calls() + b.calls(), a.cacheHits() + b.cacheHits(), a.coalesced() + b.coalesced(),
        a.smallModelAnswers() + b.smallModelAnswers(), a.escalations() + b.escalations(),
        a.unroutedUsd().add(b.unroutedUsd()), a.actualUsd().add(b.actualUsd()),
        a.promptCacheSavedUsd().add(b.promptCacheSavedUsd()));
  }

  private static String toJson(ModelSavings s) {
    ObjectNode o = JSON.createObjectNode()
        .put("calls", s.calls()).put("cache_hits", s.cacheHits()).put("coalesced", s.coalesced())
        .put("small_model_answers", s.smallModelAnswers()).put("escalations", s.escalations())
        .put("unrouted_usd", s.unroutedUsd().toPlainString()).put("actual_usd", s.actualUsd().toPlainString())
        .put("prompt_cache_saved_usd", s.promptCacheSavedUsd().toPlainString());
    return o.toString();
  }

  private static Day day(String key) {
    try {
      if (key.length() < 12 || key.charAt(10) != '/') {
        throw new IllegalArgumentException("the key is not yyyy-mm-dd/agent");
      }
      return new Day(LocalDate.parse(key.substring(0, 10)), key.substring(11));
    } catch (RuntimeException e) {
      throw corrupt(key, e);
    }
  }

  private static IllegalStateException corrupt(String key, Exception e) {
    return new IllegalStateException("corrupt row '" + key + "' in state store table " + TABLE + ": " + e.getMessage()
        + "; remove the row to drop that day's savings figures", e);
  }

  private static ModelSavings parse(String key, String json) {
    try {
      JsonNode o = JSON.readTree(json);
      return new ModelSavings(o.path("calls").asLong(), o.path("cache_hits").asLong(), o.path("coalesced").asLong(),
          o.path("small_model_answers").asLong(), o.path("escalations").asLong(),
          new BigDecimal(o.path("unrouted_usd").asText("0")), new BigDecimal(o.path("actual_usd").asText("0")),
          new BigDecimal(o.path("prompt_cache_saved_usd").asText("0")));
    } catch (JsonProcessingException | RuntimeException e) {
      throw corrupt(key, e);
    }
  }
}
