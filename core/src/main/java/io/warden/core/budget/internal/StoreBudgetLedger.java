package io.warden.core.budget.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.core.budget.BudgetExceededException;
import io.warden.core.budget.BudgetLedger;
import io.warden.core.budget.BudgetRequest;
import io.warden.core.budget.BudgetUsage;
import io.warden.core.budget.Reservation;
import io.warden.core.store.StateStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BudgetLedger} on a {@link StateStore}. Accounts live in memory (the authority while
 * running) and in the {@value #TABLE} table: {@code agent/<name>} holds the calls per minute of the
 * last hour and the USD of the current UTC day; {@code token/<key>} the USD a token has spent. One
 * lock per agent makes check-and-charge atomic; a token is only ever used by the agent it was
 * minted for, so the agent's lock covers it too.
 *
 * <p>Internal: not public API.
 */
public final class StoreBudgetLedger implements BudgetLedger {
  private static final Logger LOG = LoggerFactory.getLogger(StoreBudgetLedger.class);
  static final String TABLE = "budget_ledger";
  private static final long WINDOW_MINUTES = 60;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final StateStore store;
  private final Clock clock;
  private final boolean writeThrough;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private final Map<String, AgentAccount> agents = new ConcurrentHashMap<>();
  private final Map<String, BigDecimal> tokens = new ConcurrentHashMap<>();
  /** Keys changed since the last write, with their JSON. */
  private final Map<String, String> dirty = new LinkedHashMap<>();
  private final ScheduledExecutorService flusher;

  private StoreBudgetLedger(StateStore store, Clock clock, Duration persistEvery) {
    this.store = store;
    this.clock = clock;
    this.writeThrough = persistEvery.isZero();
    if (writeThrough) {
      flusher = null;
    } else {
      flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "BudgetLedger_Worker");
        t.setDaemon(true);
        return t;
      });
      long ms = Math.max(1, persistEvery.toMillis());
      flusher.scheduleWithFixedDelay(this::flushQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }
  }

  public static StoreBudgetLedger open(StateStore store, Clock clock, Duration persistEvery) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(persistEvery, "persistEvery");
    if (persistEvery.isNegative()) {
      throw new IllegalArgumentException("persistEvery must not be negative, got " + persistEvery);
    }
    StoreBudgetLedger ledger = new StoreBudgetLedger(store, clock, persistEvery);
    ledger.load();
    return ledger;
  }

  private void load() {
    for (Map.Entry<String, String> e : store.table(TABLE).entrySet()) {
      try {
        JsonNode node = JSON.readTree(e.getValue());
        if (e.getKey().startsWith("agent/")) {
          agents.put(e.getKey().substring(6), AgentAccount.fromJson(node));
        } else if (e.getKey().startsWith("token/")) {
          tokens.put(e.getKey().substring(6), new BigDecimal(node.path("usd").asText("0")));
        }
      } catch (JsonProcessingException | NumberFormatException ex) {
        throw new IllegalStateException("budget ledger entry " + e.getKey() + " in table " + TABLE
            + " is unreadable: " + ex.getMessage(), ex);
      }
    }
  }

  @Override
  public Reservation reserve(BudgetRequest r) {
    Objects.requireNonNull(r, "request");
    Instant now = clock.instant();
    synchronized (lock(r.agent())) {
      AgentAccount account = account(r.agent(), now);
      long calls = account.callsInWindow(minute(now));
      if (r.callsPerHour() != null && calls + r.calls() > r.callsPerHour()) {
        throw new BudgetExceededException("calls_per_hour",
            "agent " + r.agent() + " has used its hourly call budget: " + calls + " of " + r.callsPerHour()
                + " calls (spec.budgets.calls_per_hour) in the last hour",
            atLeastOneSecond(account.untilCallsFree(minute(now), calls + r.calls() - r.callsPerHour(), now)));
      }
      if (r.usdPerDay() != null && account.usd.add(r.estimatedUsd()).compareTo(r.usdPerDay()) > 0) {
        throw new BudgetExceededException("usd_per_day",
            "agent " + r.agent() + " has used its daily budget: " + account.usd.stripTrailingZeros().toPlainString()
                + " of " + r.usdPerDay().toPlainString() + " USD (spec.budgets.usd_per_day) spent today, and this call"
                + " may cost up to " + r.estimatedUsd().stripTrailingZeros().toPlainString() + " USD",
            atLeastOneSecond(Duration.between(now, day(now).plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC))));
      }
      boolean withToken = !r.tokenKey().isEmpty();
      BigDecimal tokenSpent = withToken ? tokens.getOrDefault(r.tokenKey(), BigDecimal.ZERO) : BigDecimal.ZERO;
      if (withToken && r.tokenUsdBudget() != null
          && tokenSpent.add(r.estimatedUsd()).compareTo(r.tokenUsdBudget()) > 0) {
        Duration left = r.tokenExpiresAt() == null ? Duration.ofHours(1) : Duration.between(now, r.tokenExpiresAt());
        throw new BudgetExceededException("token.usd_budget",
            "the scoped token of agent " + r.agent() + " has used its budget: "
                + tokenSpent.stripTrailingZeros().toPlainString() + " of " + r.tokenUsdBudget().toPlainString()
                + " USD (usd_budget), and this call may cost up to "
                + r.estimatedUsd().stripTrailingZeros().toPlainString() + " USD; mint a new token",
            atLeastOneSecond(left));
      }
      account.minutes.merge(minute(now), (long) r.calls(), Long::sum);
      account.usd = account.usd.add(r.estimatedUsd());
      if (withToken) {
        tokens.put(r.tokenKey(), tokenSpent.add(r.estimatedUsd()));
      }
      changed(r.agent(), account, withToken ? r.tokenKey() : "");
    }
    return new Reservation(r.agent(), r.tokenKey(), r.calls(), r.estimatedUsd(), now);
  }

  @Override
  public void settle(Reservation reservation, BigDecimal actualUsd) {
    Objects.requireNonNull(reservation, "reservation");
    Objects.requireNonNull(actualUsd, "actualUsd");
    adjust(reservation, actualUsd.max(BigDecimal.ZERO).subtract(reservation.estimatedUsd()), 0);
  }

  @Override
  public void release(Reservation reservation) {
    Objects.requireNonNull(reservation, "reservation");
    adjust(reservation, reservation.estimatedUsd().negate(), reservation.calls());
  }

  private void adjust(Reservation res, BigDecimal usdDelta, int uncount) {
    Instant now = clock.instant();
    synchronized (lock(res.agent())) {
      AgentAccount account = account(res.agent(), now);
      if (day(res.at()).equals(account.day)) {
        account.usd = account.usd.add(usdDelta).max(BigDecimal.ZERO);
      }
      if (uncount > 0) {
        account.minutes.computeIfPresent(minute(res.at()), (m, n) -> n - uncount > 0 ? n - uncount : null);
      }
      if (!res.tokenKey().isEmpty()) {
        tokens.merge(res.tokenKey(), usdDelta, (a, b) -> a.add(b).max(BigDecimal.ZERO));
      }
      changed(res.agent(), account, res.tokenKey());
    }
  }

  @Override
  public BudgetUsage usage(String agent, String tokenKey) {
    Instant now = clock.instant();
    synchronized (lock(agent)) {
      AgentAccount account = account(agent, now);
      return new BudgetUsage(account.callsInWindow(minute(now)), account.usd,
          tokenKey.isEmpty() ? BigDecimal.ZERO : tokens.getOrDefault(tokenKey, BigDecimal.ZERO));
    }
  }

  private Object lock(String agent) {
    return locks.computeIfAbsent(agent, k -> new Object());
  }

  /** The agent's account with old minutes dropped and the day rolled over. Caller holds the lock. */
  private AgentAccount account(String agent, Instant now) {
    AgentAccount a = agents.computeIfAbsent(agent, k -> new AgentAccount(day(now), BigDecimal.ZERO, new TreeMap<>()));
    LocalDate today = day(now);
    if (!a.day.equals(today)) {
      a.day = today;
      a.usd = BigDecimal.ZERO;
    }
    long oldest = minute(now) - WINDOW_MINUTES + 1;
    a.minutes.headMap(oldest).clear();
    return a;
  }

  /** Records the new state; writes it now in write-through mode. Caller holds the agent's lock. */
  private void changed(String agent, AgentAccount account, String tokenKey) {
    Map<String, String> writes = new HashMap<>();
    writes.put("agent/" + agent, account.toJson());
    if (!tokenKey.isEmpty()) {
      writes.put("token/" + tokenKey, "{\"usd\":\"" + tokens.getOrDefault(tokenKey, BigDecimal.ZERO).toPlainString() + "\"}");
    }
    if (writeThrough) {
      store.update(tx -> writes.forEach((k, v) -> tx.put(TABLE, k, v)));
    } else {
      synchronized (dirty) {
        dirty.putAll(writes);
      }
    }
  }

  /** Writes every pending change in one store update. */
  public void flush() {
    Map<String, String> batch;
    synchronized (dirty) {
      if (dirty.isEmpty()) {
        return;
      }
      batch = new LinkedHashMap<>(dirty);
      dirty.clear();
    }
    try {
      store.update(tx -> batch.forEach((k, v) -> tx.put(TABLE, k, v)));
    } catch (RuntimeException e) {
      synchronized (dirty) {
        batch.forEach(dirty::putIfAbsent); // newer values win
      }
      throw e;
    }
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (RuntimeException e) {
      LOG.warn("budget ledger could not write its counters; will retry", e);
    }
  }

  @Override
  public void close() {
    if (flusher != null) {
      flusher.shutdown();
      try {
        flusher.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      flush();
    }
  }

  private static long minute(Instant t) {
    return Math.floorDiv(t.getEpochSecond(), 60);
  }

  private static LocalDate day(Instant t) {
    return LocalDate.ofInstant(t, ZoneOffset.UTC);
  }

  private static Duration atLeastOneSecond(Duration d) {
    return d.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : d;
  }

  /** Calls per minute of the last hour and USD of one UTC day. Guarded by the agent's lock. */
  private static final class AgentAccount {
    LocalDate day;
    BigDecimal usd;
    final TreeMap<Long, Long> minutes;

    AgentAccount(LocalDate day, BigDecimal usd, TreeMap<Long, Long> minutes) {
      this.day = day;
      this.usd = usd;
      this.minutes = minutes;
    }

    long callsInWindow(long nowMinute) {
      long n = 0;
      for (long c : minutes.tailMap(nowMinute - WINDOW_MINUTES + 1).values()) {
        n += c;
      }
      return n;
    }

    /** How long until {@code excess} calls have left the window. */
    Duration untilCallsFree(long nowMinute, long excess, Instant now) {
      long freed = 0;
      for (Map.Entry<Long, Long> e : minutes.entrySet()) {
        freed += e.getValue();
        if (freed >= excess) {
          Instant leaves = Instant.ofEpochSecond((e.getKey() + WINDOW_MINUTES) * 60);
          return Duration.between(now, leaves);
        }
      }
      return Duration.ofMinutes(WINDOW_MINUTES);
    }

    String toJson() {
      ObjectNode node = JSON.createObjectNode();
      node.put("day", day.toString());
      node.put("usd", usd.toPlainString());
      ObjectNode m = node.putObject("minutes");
      minutes.forEach((k, v) -> m.put(Long.toString(k), v));
      return node.toString();
    }

    static AgentAccount fromJson(JsonNode node) {
      TreeMap<Long, Long> minutes = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.path("minutes").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        minutes.put(Long.parseLong(e.getKey()), e.getValue().asLong());
      }
      return new AgentAccount(LocalDate.parse(node.path("day").asText()), new BigDecimal(node.path("usd").asText("0")),
          minutes);
    }
  }
}
