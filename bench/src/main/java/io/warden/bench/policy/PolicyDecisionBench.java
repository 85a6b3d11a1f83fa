package io.warden.bench.policy;

import io.warden.core.change.RepoSnapshot;
import io.warden.core.descriptor.Examples;
import io.warden.core.policy.DecisionInput;
import io.warden.core.policy.PolicyDecider;
import io.warden.core.policy.PolicyDecision;
import io.warden.policy.PolicyEngine;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Latency of one runtime decision, three ways, interleaved in rounds against one real OPA sidecar:
 * <ol>
 *   <li><b>raw OPA</b>: {@code POST /v1/data/warden/runtime/decision} with a prepared JSON body over
 *       the JDK HTTP client (HTTP/1.1, keep-alive), the floor any OPA client pays;</li>
 *   <li><b>Warden uncached</b>: {@link PolicyDecider#decide} with a different budget figure on every
 *       call, so each one normalises, digests, misses the cache, asks OPA, maps the answer and logs it;</li>
 *   <li><b>Warden cached</b>: the same input again and again (a cache hit, logged).</li>
 * </ol>
 * Prints p50/p90/p99/max per path and what Warden adds to the raw call. Arguments (optional):
 * {@code rounds callsPerRound} (default 10 x 2000). Needs {@code .tools/bin/opa}
 * ({@code -Dwarden.root} or the working directory is the Warden root).
 */
public final class PolicyDecisionBench {

  /** The example agent of DESIGN.md. */
  private static final String AGENT = Examples.reconciliationFinanceYaml();

  private PolicyDecisionBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    Path root = Path.of(System.getProperty("warden.root", ".")).toAbsolutePath().normalize();
    Path opa = root.resolve(".tools/bin/opa");
    if (!Files.isExecutable(opa)) {
      throw new IllegalStateException("no opa at " + opa + ": run scripts/install.sh first");
    }
    Path dir = Files.createTempDirectory("warden-policy-bench-");
    try (PolicyEngine engine = PolicyEngine.builder().setOpaBinary(opa).setSidecarPort(0).setDataDir(dir).build()) {
      engine.start();
      Map<String, byte[]> files = new TreeMap<>(PolicyEngine.seedFiles());
      files.put("agents/reconciliation-finance.yaml", AGENT.getBytes(StandardCharsets.UTF_8));
      engine.mainListener().onMainChanged(RepoSnapshot.of("b".repeat(40), files));
      run(engine, rounds, perRound);
    } finally {
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void run(PolicyEngine engine, int rounds, int perRound) throws Exception {
    PolicyDecider decider = engine.decider();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    URI decisionUri = URI.create(engine.opaUrl() + "/v1/data/warden/runtime/decision");
    Instant now = Instant.now();
    DecisionInput same = input(now, 1);

    long[] raw = new long[rounds * perRound];
    long[] uncached = new long[rounds * perRound];
    long[] cached = new long[rounds * perRound];
    int seq = 0;
    // Warm-up: JIT, connections, OPA's caches; not measured.
    for (int i = 0; i < Math.max(2000, perRound); i++) {
      rawCall(http, decisionUri, ++seq, now);
      check(decider.decide(input(now, ++seq)));
      check(decider.decide(same));
    }
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < perRound; i++) {
        int at = r * perRound + i;
        long t0 = System.nanoTime();
        rawCall(http, decisionUri, ++seq, now);
        long t1 = System.nanoTime();
        check(decider.decide(input(now, ++seq)));
        long t2 = System.nanoTime();
        check(decider.decide(same));
        long t3 = System.nanoTime();
        raw[at] = t1 - t0;
        uncached[at] = t2 - t1;
        cached[at] = t3 - t2;
      }
    }
    Map<String, Object> health = engine.health();
    System.out.printf(Locale.ROOT, "policy decision latency, %d rounds x %d calls per path, interleaved, one OPA %s sidecar%n",
        rounds, perRound, "1.22.3");
    System.out.printf(Locale.ROOT, "%-28s %10s %10s %10s %10s %10s%n", "path (µs)", "p50", "p90", "p99", "p99.9", "max");
    long[] pr = line("raw OPA REST call", raw);
    long[] pu = line("Warden, uncached", uncached);
    long[] pc = line("Warden, cached", cached);
    System.out.printf(Locale.ROOT, "%-28s %10.1f %10.1f %10.1f%n", "added by Warden, uncached",
        (pu[0] - pr[0]) / 1000.0, (pu[1] - pr[1]) / 1000.0, (pu[2] - pr[2]) / 1000.0);
    System.out.printf(Locale.ROOT, "%-28s %10.2fx %9.2fx %9.2fx%n", "cached / raw OPA",
        pc[0] / (double) pr[0], pc[1] / (double) pr[1], pc[2] / (double) pr[2]);
    System.out.printf(Locale.ROOT, "cache hits %s, misses %s; decisions logged %d (pending %s)%n",
        health.get("cache_hits"), health.get("cache_misses"), engine.decisions().size(), health.get("decisions_pending"));
    System.out.printf(Locale.ROOT, "decisions other than ALLOW (fail-closed denials): %d%n", notAllowed);
    System.out.printf(Locale.ROOT, "goal: cached p99 under 1 ms -> %s%n", pc[2] < 1_000_000 ? "met" : "NOT met");
  }

  private static DecisionInput input(Instant now, int seq) {
    // A distinct spend figure per call makes a distinct input, so the cache cannot answer.
    return new DecisionInput("reconciliation-finance", List.of(), "tool.call", "mcp://gateway/ledger-read",
        null, Map.of("usd_spent_today", new BigDecimal(seq).movePointLeft(6), "calls_last_hour", 3), now);
  }

  private static int notAllowed;

  /** Counts answers other than ALLOW (a fail-closed deny when OPA missed the deadline on a busy machine). */
  private static void check(PolicyDecision d) {
    if (d.outcome() != PolicyDecision.Outcome.ALLOW) {
      if (notAllowed++ < 5) {
        System.err.println("not allowed: " + d);
      }
    }
  }

  private static void rawCall(HttpClient http, URI uri, int seq, Instant now) throws IOException, InterruptedException {
    String body = "{\"input\":{\"action\":\"tool.call\",\"action_value_usd\":null,\"agent\":\"reconciliation-finance\","
        + "\"budget\":{\"calls_last_hour\":3,\"usd_spent_today\":" + new BigDecimal(seq).movePointLeft(6).toPlainString()
        + "},\"delegation_chain\":[],\"resource\":\"mcp://gateway/ledger-read\",\"time\":\"" + now + "\"}}";
    HttpResponse<byte[]> resp = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    if (resp.statusCode() != 200 || !new String(resp.body(), StandardCharsets.UTF_8).contains("\"allow\"")) {
      throw new IllegalStateException("raw OPA call failed: " + resp.statusCode() + " " + new String(resp.body(), StandardCharsets.UTF_8));
    }
  }

  /** Prints one row; returns p50, p90, p99 in ns. */
  private static long[] line(String name, long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    long p50 = pct(s, 0.50);
    long p90 = pct(s, 0.90);
    long p99 = pct(s, 0.99);
    System.out.printf(Locale.ROOT, "%-28s %10.1f %10.1f %10.1f %10.1f %10.1f%n", name,
        p50 / 1000.0, p90 / 1000.0, p99 / 1000.0, pct(s, 0.999) / 1000.0, s[s.length - 1] / 1000.0);
    return new long[] {p50, p90, p99};
  }

  private static long pct(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }
}
