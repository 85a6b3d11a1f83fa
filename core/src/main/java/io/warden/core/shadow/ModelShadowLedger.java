package io.warden.core.shadow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.core.store.StateStore;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The model gateway's shadow pairs ({@code spec.shadow}) kept in the {@link StateStore} (table
 * {@value #TABLE}), and their reports per agent and candidate. Thread-safe.
 *
 * <p>A pair's agreement is decided by whoever records it (the gateway compares the answers); the
 * ledger counts, bounds the agreement rate with a 95% Wilson score interval, and keeps the latest
 * disagreements as examples.
 *
 * <p>Pairs older than the retention are purged (every {@value #PURGE_EVERY} records, and on
 * {@link #purge}): the evidence for a change is the recent pairs, and the table must not grow
 * without bound at a steady sample rate.
 */
public final class ModelShadowLedger implements ModelShadowEvidence {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  /** State store table: run id → run JSON. */
  public static final String TABLE = "model_shadow_runs";
  /** Most differences kept per pair: {@value}. */
  static final int MAX_DIFFERENCES = 10;
  /** Longest difference kept, in characters: {@value}. */
  static final int MAX_DIFFERENCE_CHARS = 400;
  /** z for a 95% interval. */
  private static final double Z = 1.959964;
  /** How long pairs are kept unless told otherwise: {@value} days. */
  public static final int DEFAULT_RETENTION_DAYS = 30;
  /** Records between purges: {@value}. */
  static final int PURGE_EVERY = 256;

  private final StateStore store;
  private final Clock clock;
  private final Duration retention;
  private final AtomicLong recorded = new AtomicLong();

  private ModelShadowLedger(StateStore store, Clock clock, Duration retention) {
    this.store = store;
    this.clock = clock;
    this.retention = retention;
  }

  /** A ledger keeping pairs {@value #DEFAULT_RETENTION_DAYS} days. */
  public static ModelShadowLedger create(StateStore store, Clock clock) {
    return create(store, clock, Duration.ofDays(DEFAULT_RETENTION_DAYS));
  }

  /** A ledger keeping pairs for {@code retention} (positive). */
  public static ModelShadowLedger create(StateStore store, Clock clock, Duration retention) {
    Objects.requireNonNull(retention, "retention");
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("shadow pair retention must be positive, got " + retention);
    }
    return new ModelShadowLedger(Objects.requireNonNull(store, "store"), Objects.requireNonNull(clock, "clock"),
        retention);
  }

  /** Removes the pairs recorded before now less the retention, in one update; returns how many. */
  public int purge() {
    Instant cutoff = clock.instant().minus(retention);
    List<String> old = new ArrayList<>();
    store.table(TABLE).forEach((id, json) -> {
      if (fromJson(json).at().isBefore(cutoff)) {
        old.add(id);
      }
    });
    if (!old.isEmpty()) {
      store.update(tx -> old.forEach(id -> tx.remove(TABLE, id)));
    }
    return old.size();
  }

  /** Records one compared pair (differences cut to {@value #MAX_DIFFERENCES} of {@value #MAX_DIFFERENCE_CHARS} characters). */
  public ModelShadowRun record(String agent, String primary, String candidate, boolean agreed,
      List<String> differences, long primaryLatencyMs, long candidateLatencyMs, BigDecimal primaryUsd,
      BigDecimal candidateUsd, String traceId) {
    byte[] id = new byte[12];
    RANDOM.nextBytes(id);
    List<String> kept = differences.stream().limit(MAX_DIFFERENCES)
        .map(s -> s.length() > MAX_DIFFERENCE_CHARS ? s.substring(0, MAX_DIFFERENCE_CHARS) + "…" : s).toList();
    ModelShadowRun run = new ModelShadowRun("msr_" + HexFormat.of().formatHex(id), agent, primary, candidate,
        clock.instant(), agreed, kept, primaryLatencyMs, candidateLatencyMs, primaryUsd, candidateUsd, traceId);
    store.put(TABLE, run.id(), toJson(run));
    if (recorded.incrementAndGet() % PURGE_EVERY == 0) {
      purge();
    }
    return run;
  }

  /** The pairs of {@code agent} (every agent when null), oldest first. */
  public List<ModelShadowRun> runs(@org.jspecify.annotations.Nullable String agent) {
    List<ModelShadowRun> out = new ArrayList<>();
    for (String json : store.table(TABLE).values()) {
      ModelShadowRun r = fromJson(json);
      if (agent == null || r.agent().equals(agent)) {
        out.add(r);
      }
    }
    out.sort(Comparator.comparing(ModelShadowRun::at).thenComparing(ModelShadowRun::id));
    return out;
  }

  @Override
  public ModelShadowReport report(String agent, String candidate) {
    return report(agent, candidate, runs(agent).stream().filter(r -> r.candidate().equals(candidate)).toList());
  }

  /** One report per candidate {@code agent} was shadowed with, in the order they first ran. */
  public List<ModelShadowReport> reports(String agent) {
    Map<String, List<ModelShadowRun>> byCandidate = new LinkedHashMap<>();
    for (ModelShadowRun r : runs(agent)) {
      byCandidate.computeIfAbsent(r.candidate(), k -> new ArrayList<>()).add(r);
    }
    List<ModelShadowReport> out = new ArrayList<>();
    byCandidate.forEach((candidate, runs) -> out.add(report(agent, candidate, runs)));
    return out;
  }

  private static ModelShadowReport report(String agent, String candidate, List<ModelShadowRun> runs) {
    int n = runs.size();
    if (n == 0) {
      return ModelShadowReport.empty(agent, candidate);
    }
    int agreements = 0;
    long latencyDelta = 0;
    BigDecimal costDelta = BigDecimal.ZERO;
    List<ModelShadowRun> examples = new ArrayList<>();
    for (int i = n - 1; i >= 0; i--) {
      ModelShadowRun r = runs.get(i);
      if (r.agreed()) {
        agreements++;
      } else if (examples.size() < ModelShadowReport.MAX_EXAMPLES) {
        examples.add(r);
      }
      latencyDelta += r.candidateLatencyMs() - r.primaryLatencyMs();
      costDelta = costDelta.add(r.candidateUsd().subtract(r.primaryUsd()));
    }
    double[] ci = wilson(agreements, n);
    return new ModelShadowReport(agent, candidate, n, agreements, ci[0], ci[1], (double) latencyDelta / n,
        costDelta.stripTrailingZeros(), examples);
  }

  /** The 95% Wilson score interval of {@code k} successes in {@code n} trials. */
  static double[] wilson(int k, int n) {
    if (n == 0) {
      return new double[] {0, 0};
    }
    double p = (double) k / n;
    double z2 = Z * Z;
    double centre = (p + z2 / (2.0 * n)) / (1 + z2 / n);
    double half = Z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
    return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
  }

  private static String toJson(ModelShadowRun r) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", r.id());
    n.put("agent", r.agent());
    n.put("primary", r.primary());
    n.put("candidate", r.candidate());
    n.put("at", r.at().toString());
    n.put("agreed", r.agreed());
    r.differences().forEach(n.putArray("differences")::add);
    n.put("primaryLatencyMs", r.primaryLatencyMs());
    n.put("candidateLatencyMs", r.candidateLatencyMs());
    n.put("primaryUsd", r.primaryUsd().toPlainString());
    n.put("candidateUsd", r.candidateUsd().toPlainString());
    n.put("traceId", r.traceId());
    return n.toString();
  }

  private static ModelShadowRun fromJson(String json) {
    JsonNode n;
    try {
      n = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("corrupt row in state store table " + TABLE + ": " + e.getOriginalMessage(), e);
    }
    List<String> differences = new ArrayList<>();
    n.path("differences").forEach(d -> differences.add(d.asText()));
    return new ModelShadowRun(n.path("id").asText(), n.path("agent").asText(), n.path("primary").asText(),
        n.path("candidate").asText(), Instant.parse(n.path("at").asText()), n.path("agreed").asBoolean(),
        differences, n.path("primaryLatencyMs").asLong(), n.path("candidateLatencyMs").asLong(),
        new BigDecimal(n.path("primaryUsd").asText("0")), new BigDecimal(n.path("candidateUsd").asText("0")),
        n.path("traceId").asText());
  }
}
