package io.warden.executors.gateway.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.core.store.StateStore;
import io.warden.executors.gateway.ModelSavings;
import java.math.BigDecimal;
import java.time.Clock;
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
  private final Map<String, ModelSavings> days = new ConcurrentHashMap<>();
  private final Set<String> dirty = ConcurrentHashMap.newKeySet();

  private SavingsLedger(@Nullable StateStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** Loads the kept days from {@code store} (none without one); a row that does not parse is refused, naming it. */
  public static SavingsLedger open(@Nullable StateStore store, Clock clock) {
    SavingsLedger ledger = new SavingsLedger(store, clock);
    if (store != null) {
      store.table(TABLE).forEach((key, json) -> ledger.days.put(key, parse(key, json)));
    }
    return ledger;
  }

  /** Adds one call's savings to its agent's figures for today (UTC). */
  public void add(String agent, ModelSavings call) {
    String key = LocalDate.now(clock.withZone(ZoneOffset.UTC)) + "/" + agent;
    days.merge(key, call, SavingsLedger::sum);
    dirty.add(key);
  }

  /**
   * Savings per agent over the UTC days from {@code from} to {@code to} (both inclusive; null: no
   * bound), agents in name order.
   */
  public Map<String, ModelSavings> byAgent(@Nullable LocalDate from, @Nullable LocalDate to) {
    Map<String, ModelSavings> out = new TreeMap<>();
    days.forEach((key, s) -> {
      LocalDate day = LocalDate.parse(key.substring(0, 10));
      if ((from == null || !day.isBefore(from)) && (to == null || !day.isAfter(to))) {
        out.merge(key.substring(11), s, SavingsLedger::sum);
      }
    });
    return out;
  }

  /** Writes the days that changed since the last flush, in one durable update; blocks on the disk. */
  public void flush() {
    if (store == null || dirty.isEmpty()) {
      return;
    }
    Map<String, String> rows = new HashMap<>();
    for (String key : List.copyOf(dirty)) {
      dirty.remove(key); // before reading the value: an add racing this flush marks it dirty again
      rows.put(key, toJson(days.get(key)));
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

  private static ModelSavings parse(String key, String json) {
    try {
      JsonNode o = JSON.readTree(json);
      if (key.length() < 12 || key.charAt(10) != '/') {
        throw new IllegalArgumentException("the key is not yyyy-mm-dd/agent");
      }
      LocalDate.parse(key.substring(0, 10));
      return new ModelSavings(o.path("calls").asLong(), o.path("cache_hits").asLong(), o.path("coalesced").asLong(),
          o.path("small_model_answers").asLong(), o.path("escalations").asLong(),
          new BigDecimal(o.path("unrouted_usd").asText("0")), new BigDecimal(o.path("actual_usd").asText("0")),
          new BigDecimal(o.path("prompt_cache_saved_usd").asText("0")));
    } catch (JsonProcessingException | RuntimeException e) {
      throw new IllegalStateException("corrupt row '" + key + "' in state store table " + TABLE + ": " + e.getMessage()
          + "; remove the row to drop that day's savings figures", e);
    }
  }
}
