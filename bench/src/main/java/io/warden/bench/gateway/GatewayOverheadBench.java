package io.warden.bench.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.warden.demo.standin.ProviderStandIn;
import io.warden.testing.ChildJvm;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The latency the model gateway adds: the same Chat Completions requests straight to the provider
 * stand-in and through Warden's gateway (authentication, budget reservation and settlement, an
 * allow-all policy decider, pinning, relaying, metering, the GenAI span), in one run, and beside it
 * the LiteLLM proxy on the same stand-in and load when it is installed
 * ({@code scripts/install.d/litellm.sh --bench}). The gateway runs in a JVM of its own
 * ({@link GatewayProcess}, the appliance's default heap and collector; {@code -DgatewayJvm="..."}
 * adds options such as {@code -XX:+UseZGC -Xlog:gc}), as deployed: its collector's pauses are its
 * own, not the load generator's; the stand-in and the generator share this one.
 *
 * <p>Loads, each after a warm-up: whole answers one at a time ({@code whole1}); streams one at a
 * time ({@code stream1}); streams 200 at a time as fast as the stand-in answers ({@code streamN}: a
 * saturation run, where every path's latency is its queue for the two cores the generator, the
 * stand-in and Warden share); and streams 200 at a time paced like a model generating
 * ({@code streamPaced}: {@code -Dchunks=} content chunks, default 32, {@code -DchunkDelayMs=} apart,
 * default 20 — about 50 tokens a second, the production shape of 200 concurrent streams). Each
 * request's latency is to the last byte of the answer. Prints p50/p99 per path, what the gateway
 * and LiteLLM add to the direct call and their ratio, and the gateway process's CPU time and bytes
 * allocated per request; a request that fails or times out (60 s) is counted as failed and kept at
 * its time. Arguments (optional): {@code requests concurrency loads} (default 2000, 200 and
 * {@code whole1,stream1,streamN}).
 *
 * <p>{@code -Drounds=N} lets the paths take turns, N rounds of {@code requests / N} each, their
 * latencies pooled per path: the quantiles of each path then cover the same stretch of time.
 *
 * <p>{@code -Dpinned=true} gives the gateway the last CPU to itself and this JVM (generator and
 * stand-in) the others ({@code taskset}; Linux, two CPUs or more), as when the agents and the
 * provider run on other machines: without it, on two cores, the generator's 200 clients and the
 * gateway wait for each other's CPU and the p99 measures that contention. The gateway is told it
 * has one CPU ({@code -XX:ActiveProcessorCount=1}), so it sizes its event loops and picks its
 * collector as a one-CPU deployment does (the serial collector, unless {@code -DgatewayJvm} names
 * one).
 */
public final class GatewayOverheadBench {
  private static final String SNAPSHOT = "gpt-4o-2024-08-06";
  private static final int WARMUP = 500;

  private GatewayOverheadBench() {}

  /** One way to reach the stand-in: a base URL and the API key it wants. */
  private record Route(String name, String baseUrl, String key, String model) {}

  public static void main(String[] args) throws Exception {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    List<String> loads = List.of((args.length > 2 ? args[2] : "whole1,stream1,streamN").split(","));
    Path root = Path.of(System.getProperty("warden.root", ".")).toAbsolutePath().normalize();
    Path dir = Files.createTempDirectory("warden-gateway-bench-");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    // The provider is another system: its own event loops, never waiting for the gateway's work.
    Vertx providerVertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    ProviderStandIn standIn = new ProviderStandIn(providerVertx).start();
    standIn.keepReceived = false;
    List<String> gatewayJvm = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED"));
    int cpus = Runtime.getRuntime().availableProcessors();
    boolean pinned = Boolean.getBoolean("pinned") && cpus >= 2;
    if (pinned) {
      taskset(ProcessHandle.current().pid(), "0-" + (cpus - 2));
      gatewayJvm.add("-XX:ActiveProcessorCount=1");
    }
    String extra = System.getProperty("gatewayJvm", "").strip();
    if (!extra.isEmpty()) {
      gatewayJvm.addAll(List.of(extra.split("\\s+")));
    }
    try (ChildJvm gateway = ChildJvm.start(GatewayProcess.class, gatewayJvm, standIn.openAiBaseUrl())) {
      if (pinned) {
        taskset(gateway.pid(), String.valueOf(cpus - 1));
      }
      String[] ready = gateway.awaitLine(l -> l.startsWith("ready "), Duration.ofSeconds(120)).split(" ");
      if (pinned) { // again, for threads that started while the first call was moving the others
        taskset(gateway.pid(), String.valueOf(cpus - 1));
      }
      List<Route> paths = new ArrayList<>();
      paths.add(new Route("direct", standIn.openAiBaseUrl(), "sk-standin-openai", SNAPSHOT));
      paths.add(new Route("warden", ready[1], ready[2], "gpt-4o"));
      Process litellm = startLiteLlm(root, dir, standIn.openAiBaseUrl(), http);
      try {
        if (litellm != null) {
          paths.add(new Route("litellm", "http://127.0.0.1:" + litellmPort + "/v1", LITELLM_KEY, "gpt-4o"));
        }
        System.out.printf(Locale.ROOT, "model gateway overhead: %d requests per path and load, after %d warm-up;"
            + " %d CPUs; the gateway in a JVM of its own (options: %s)%s%n", requests, WARMUP, cpus, gatewayJvm,
            pinned ? "; pinned: the gateway on CPU " + (cpus - 1) + ", generator and stand-in on CPUs 0-" + (cpus - 2)
                : "");
        if (loads.contains("whole1")) {
          run("whole, 1 at a time", paths, http, false, 1, requests, 0, gateway);
        }
        if (loads.contains("stream1")) {
          run("stream, 1 at a time", paths, http, true, 1, requests, 0, gateway);
        }
        if (loads.contains("streamN")) {
          run("stream, " + concurrency + " at a time", paths, http, true, concurrency, requests, 0, gateway);
        }
        if (loads.contains("streamPaced")) {
          int chunks = Integer.getInteger("chunks", 32);
          long delayMs = Long.getLong("chunkDelayMs", 20);
          standIn.streamChunks = chunks;
          standIn.streamChunkDelayMs = delayMs;
          // Independent agents' streams are not in step: the clients start spread over one stream's length.
          run("stream, " + concurrency + " at a time, " + chunks + " chunks " + delayMs + " ms apart, starts spread",
              paths, http, true, concurrency, requests, chunks * delayMs, gateway);
        }
      } finally {
        if (litellm != null) {
          litellm.descendants().forEach(ProcessHandle::destroy);
          litellm.destroy();
          litellm.waitFor(10, TimeUnit.SECONDS);
        }
        // Stopped, not killed: a flight recording asked for with -DgatewayJvm is written at its exit.
        gateway.closeInputAndAwaitExit(Duration.ofSeconds(60));
      }
    } finally {
      standIn.close();
      providerVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static void run(String load, List<Route> paths, HttpClient http, boolean stream, int concurrency,
      int requests, long spreadMs, ChildJvm gateway) throws Exception {
    int rounds = Math.max(1, Integer.getInteger("rounds", 1));
    Map<String, long[]> results = new LinkedHashMap<>();
    Map<String, Integer> failed = new LinkedHashMap<>();
    List<long[]> gatewayRounds = new ArrayList<>();
    for (Route p : paths) {
      measure(http, p, stream, concurrency, WARMUP, spreadMs, new AtomicInteger());
    }
    // With -Drounds=N the paths take turns, N rounds of requests/N each, so each path's quantiles
    // cover the same stretch of the machine's time rather than one path's minute after the other's.
    for (int round = 0; round < rounds; round++) {
      for (Route p : paths) {
        AtomicInteger failures = new AtomicInteger();
        long[] before = gatewayStats(gateway);
        long[] latencies = measure(http, p, stream, concurrency, requests / rounds, spreadMs, failures);
        results.merge(p.name(), latencies, GatewayOverheadBench::mergeSorted);
        if (p.name().equals("warden")) {
          long[] after = gatewayStats(gateway);
          after[0] -= before[0];
          after[1] -= before[1];
          gatewayRounds.add(after);
        }
        failed.merge(p.name(), failures.get(), Integer::sum);
      }
    }
    long[] direct = results.get("direct");
    System.out.printf(Locale.ROOT, "%n%s%s (load average %s)%n  %-8s %10s %10s %12s %12s%n", load,
        rounds > 1 ? ", paths taking turns in " + rounds + " rounds" : "",
        Files.readString(Path.of("/proc/loadavg")).split(" ")[0], "path", "p50 ms", "p99 ms", "added p50",
        "added p99");
    results.forEach((name, l) -> System.out.printf(Locale.ROOT, "  %-8s %10.3f %10.3f %12.3f %12.3f%s%n",
        name, p(l, 50), p(l, 99), p(l, 50) - p(direct, 50), p(l, 99) - p(direct, 99),
        failed.get(name) == 0 ? "" : "   (" + failed.get(name) + " failed or timed out)"));
    long measured = results.get("warden").length;
    System.out.printf(Locale.ROOT, "  Warden's process per request: %.0f µs CPU, %.1f KB allocated;"
        + " its threads' wake-up lateness p99 %s ms, max %s ms%n",
        gatewayRounds.stream().mapToLong(c -> c[0]).sum() / 1e3 / measured,
        gatewayRounds.stream().mapToLong(c -> c[1]).sum() / 1024.0 / measured,
        range(gatewayRounds, 2, "%.2f"), range(gatewayRounds, 3, "%.1f"));
    long holds = gatewayRounds.stream().mapToLong(c -> c[4]).sum();
    if (holds > 0) {
      System.out.printf(Locale.ROOT, "  chunks held in the gateway (warden_model_gateway_chunk_hold_seconds):"
          + " %,d writes, p99 %s ms, p99.9 %s ms, max %s ms%n", holds, range(gatewayRounds, 5, "%.2f"),
          range(gatewayRounds, 6, "%.2f"), range(gatewayRounds, 7, "%.1f"));
      System.out.printf(Locale.ROOT, "  preflight in the gateway (warden_model_gateway_preflight_seconds):"
          + " p99 %s ms, p99.9 %s ms, max %s ms%n", range(gatewayRounds, 9, "%.2f"), range(gatewayRounds, 10, "%.2f"),
          range(gatewayRounds, 11, "%.1f"));
    }
    if (results.containsKey("litellm")) {
      long[] w = results.get("warden");
      long[] l = results.get("litellm");
      System.out.printf(Locale.ROOT, "  added latency, LiteLLM / Warden: p50 %.1fx, p99 %.1fx%n",
          (p(l, 50) - p(direct, 50)) / Math.max(0.001, p(w, 50) - p(direct, 50)),
          (p(l, 99) - p(direct, 99)) / Math.max(0.001, p(w, 99) - p(direct, 99)));
    }
  }

  /** Field {@code i} (µs) of each round's gateway figures, in ms: one value, or the lowest–highest. */
  private static String range(List<long[]> rounds, int i, String format) {
    double low = rounds.stream().mapToLong(c -> c[i]).min().orElse(0) / 1e3;
    double high = rounds.stream().mapToLong(c -> c[i]).max().orElse(0) / 1e3;
    String one = String.format(Locale.ROOT, format, low);
    return low == high ? one : one + "–" + String.format(Locale.ROOT, format, high);
  }

  private static long[] mergeSorted(long[] a, long[] b) {
    long[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    Arrays.sort(all);
    return all;
  }

  private static int statsAsked;

  /** Moves every thread of process {@code pid} onto {@code cpus} (a taskset CPU list). */
  private static void taskset(long pid, String cpus) throws IOException, InterruptedException {
    Process taskset = new ProcessBuilder("taskset", "--all-tasks", "--pid", "--cpu-list", cpus, String.valueOf(pid))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (taskset.waitFor() != 0) {
      throw new IllegalStateException("taskset could not pin process " + pid + " to CPUs " + cpus);
    }
  }

  /**
   * The gateway process's CPU time (ns) and bytes allocated so far, its wake-up lateness p99 and max
   * (µs) since the last call, and its chunk holds and preflights since then: count, p99, p99.9 and
   * max (µs) each.
   */
  private static long[] gatewayStats(ChildJvm gateway) {
    String ask = "stats " + ++statsAsked;
    gateway.send(ask);
    String[] answer = gateway.awaitLine(l -> l.startsWith(ask + " "), Duration.ofSeconds(30)).split(" ");
    return Arrays.stream(answer, 2, answer.length).mapToLong(Long::parseLong).toArray();
  }

  private static double p(long[] sorted, int pct) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * pct / 100.0) - 1)] / 1e6;
  }

  /**
   * Latencies (ns, sorted) of {@code n} requests, {@code concurrency} in flight; client {@code w}
   * starts {@code w / concurrency} of {@code spreadMs} late.
   */
  private static long[] measure(HttpClient http, Route p, boolean stream, int concurrency, int n, long spreadMs,
      AtomicInteger failures) throws Exception {
    String body = "{\"model\":\"" + p.model() + "\",\"stream\":" + stream + ",\"max_tokens\":64,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    HttpRequest req = HttpRequest.newBuilder(URI.create(p.baseUrl() + "/chat/completions"))
        .timeout(Duration.ofSeconds(60)).header("content-type", "application/json")
        .header("authorization", "Bearer " + p.key())
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    long[] out = new long[n];
    AtomicInteger next = new AtomicInteger();
    try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> running = new ArrayList<>();
      for (int w = 0; w < concurrency; w++) {
        long startAfterMs = spreadMs * w / concurrency;
        running.add(workers.submit(() -> {
          Thread.sleep(startAfterMs); // the load generator's pacing, not a wait for a result
          for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
            long t = System.nanoTime();
            try {
              HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
              if (r.statusCode() != 200 || (stream && !r.body().contains("[DONE]"))) {
                if (failures.incrementAndGet() == 1) {
                  System.out.println("  " + p.name() + " answered " + r.statusCode() + ": " + r.body().lines().findFirst().orElse(""));
                }
              }
            } catch (IOException e) {
              failures.incrementAndGet();
            }
            out[i] = System.nanoTime() - t;
          }
          return null;
        }));
      }
      for (Future<?> f : running) {
        f.get();
      }
    }
    Arrays.sort(out);
    return out;
  }

  private static int litellmPort;
  /** LiteLLM refuses to start without a master key; callers present it as their key (no database). */
  private static final String LITELLM_KEY = "sk-" + java.util.HexFormat.of().formatHex(randomBytes());

  private static byte[] randomBytes() {
    byte[] b = new byte[32];
    new java.security.SecureRandom().nextBytes(b);
    return b;
  }

  /** The LiteLLM proxy in front of the stand-in, or null when it is not installed. */
  private static Process startLiteLlm(Path root, Path dir, String standIn, HttpClient http) throws Exception {
    Path bin = Path.of(System.getenv().getOrDefault("WARDEN_LITELLM",
        root.resolve(".tools/litellm-venv/bin/litellm").toString()));
    if (!Files.isExecutable(bin)) {
      System.out.println("LiteLLM proxy not installed (" + bin + "): run scripts/install.d/litellm.sh --bench;"
          + " measuring Warden only");
      return null;
    }
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      litellmPort = s.getLocalPort();
    }
    Path config = dir.resolve("litellm.yaml");
    Files.writeString(config, """
        model_list:
          - model_name: gpt-4o
            litellm_params:
              model: openai/%s
              api_base: %s
              api_key: sk-standin-openai
        litellm_settings:
          drop_params: true
          set_verbose: false
        """.formatted(SNAPSHOT, standIn), StandardCharsets.UTF_8);
    ProcessBuilder pb = new ProcessBuilder(bin.toString(), "--config", config.toString(), "--host", "127.0.0.1",
        "--port", Integer.toString(litellmPort), "--num_workers", "1")
        .redirectErrorStream(true).redirectOutput(dir.resolve("litellm.log").toFile());
    pb.environment().put("LITELLM_MASTER_KEY", LITELLM_KEY);
    pb.environment().put("LITELLM_LOG", "ERROR");
    pb.environment().put("LITELLM_LOCAL_MODEL_COST_MAP", "True"); // no fetch of the remote price list
    pb.environment().put("LITELLM_TELEMETRY", "False");
    pb.environment().put("DISABLE_SCHEMA_UPDATE", "True");
    Process proc = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!proc.isAlive()) {
        throw new IllegalStateException("LiteLLM exited: see " + dir.resolve("litellm.log"));
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + litellmPort + "/health/liveliness")).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return proc;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(500); // polling a child process's start-up (a benchmark, not a test)
    }
    proc.destroy();
    throw new IllegalStateException("LiteLLM did not start in 120 s: see " + dir.resolve("litellm.log"));
  }
}
