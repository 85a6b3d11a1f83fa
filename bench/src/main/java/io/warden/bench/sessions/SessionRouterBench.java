package io.warden.bench.sessions;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.warden.api.ApiServer;
import io.warden.api.HealthRoutes;
import io.warden.api.SessionRoutes;
import io.warden.bench.tracestore.Machine;
import io.warden.core.audit.AuditLog;
import io.warden.core.budget.BudgetLedger;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.Principal;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.SyncStatus;
import io.warden.core.session.InvokeRequest;
import io.warden.core.session.SessionRouter;
import io.warden.core.session.SessionWait;
import io.warden.core.store.StateStore;
import io.warden.executors.session.SessionRouters;
import io.warden.testing.StandInRuntime;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The session router under a burst, through the real HTTP API: {@value #SESSIONS_DEFAULT} concurrent
 * sessions each sending {@value #REQUESTS_DEFAULT} requests one after another (with an
 * {@code Idempotency-Key}, retrying after {@code Retry-After} on 429) to an agent whose runtime takes
 * {@value #DELAY_MS_DEFAULT} ms per request, {@code max_concurrency} 64, {@code max_queue} 256. Then
 * what was run is checked from the runtime's own log: nothing lost, nothing run twice, nothing out of
 * order within a session. Then {@value #PARKED_DEFAULT} parked sessions: heap, disk, time to resume one.
 *
 * <p>Run with {@code ./warden bench sessions}; {@code -Dsessions=}, {@code -Drequests=},
 * {@code -Dparked=}, {@code -DdelayMs=} change the sizes.
 */
public final class SessionRouterBench {
  static final int SESSIONS_DEFAULT = 1000;
  static final int REQUESTS_DEFAULT = 20;
  static final int PARKED_DEFAULT = 100_000;
  static final int DELAY_MS_DEFAULT = 50;
  private static final String AGENT = "slow-agent";
  private static final Pattern RAN = Pattern.compile("\\{\"session\":\"([^\"]+)\",\"seq\":(\\d+)}");

  private SessionRouterBench() {}

  public static void main(String[] args) throws Exception {
    int sessions = Integer.getInteger("sessions", SESSIONS_DEFAULT);
    int requests = Integer.getInteger("requests", REQUESTS_DEFAULT);
    int parked = Integer.getInteger("parked", PARKED_DEFAULT);
    int delayMs = Integer.getInteger("delayMs", DELAY_MS_DEFAULT);
    System.out.println(Machine.describe());
    Path dir = Files.createTempDirectory("warden-session-bench-");
    HeapWatch heap = new HeapWatch();
    StandInRuntime runtime = new StandInRuntime("standin").setDelay(Duration.ofMillis(delayMs));
    Inventory inventory = Inventory.create();
    inventory.replace("bench", List.of(new AgentState(new AgentDescriptor(AgentDescriptor.API_VERSION,
        AgentDescriptor.KIND, new AgentDescriptor.Metadata(AGENT, "bench", Map.of()),
        new AgentDescriptor.Spec(null, new AgentDescriptor.Memory("session", null), List.of(), null, null,
            new AgentDescriptor.Executor("standin", "", Map.of("timeout_seconds", "30")),
            new AgentDescriptor.Scaling(64, 256, "session"), null, null, List.of())),
        "bench", SyncStatus.SYNCED, "", Instant.EPOCH)));
    StateStore state = StateStore.open(dir.resolve("state.mv"));
    StateStore sessionStore = StateStore.open(dir.resolve("sessions").resolve("sessions.mv"));
    AuditLog audit = AuditLog.open(dir.resolve("audit.log"));
    IdentityService identity = IdentityService.create(state, audit, inventory, dir.resolve("signing.key"),
        Clock.systemUTC());
    Principal admin = identity.authenticate(identity.bootstrapAdmin().orElseThrow().secret());
    String operator = identity.createUser(admin, "operator", Role.AUTHOR, Set.of()).secret();
    BudgetLedger ledger = BudgetLedger.open(state, Clock.systemUTC(), Duration.ofMillis(200));
    SessionRouter router = SessionRouters.builder().setStore(sessionStore).setInventory(inventory)
        .setExecutors(Map.of("standin", runtime)).setAuditLog(audit).setBudgetLedger(ledger).build();
    Vertx vertx = Vertx.vertx();
    ApiServer api = new ApiServer("127.0.0.1", 0, identity, new ObjectMapper(), HealthRoutes.of(Map.of()),
        List.of(new SessionRoutes(router)));
    vertx.deployVerticle(api).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    String phases = System.getProperty("phases", "http,inprocess,parked");
    try {
      if (phases.contains("http")) {
        burst(api.port(), operator, runtime, sessions, requests, delayMs, heap);
      }
      if (phases.contains("inprocess")) {
        burstInProcess(router, runtime, sessions, requests, delayMs, heap);
      }
      if (phases.contains("parked")) {
        parked(router, runtime, sessionStore, dir, parked, api.port(), operator);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      router.close();
      ledger.close();
      identity.close();
      audit.close();
      sessionStore.close();
      state.close();
      heap.stop();
      Machine.deleteTree(dir);
    }
  }

  private static void burst(int port, String token, StandInRuntime runtime, int sessions, int requests, int delayMs,
      HeapWatch heap) throws Exception {
    // HTTP/1.1: a connection per session in flight, as independent clients would have (the JDK client
    // would otherwise upgrade to h2c and multiplex everything over one connection).
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(30)).build();
    URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/agents/" + AGENT + "/invoke");
    long[] attemptNanos = new long[sessions * requests];
    long[] endToEndNanos = new long[sessions * requests];
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger tooMany = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    AtomicLong retryAfterSum = new AtomicLong();
    heap.reset();
    long start = System.nanoTime();
    runSessions("s-", sessions, requests, errors, (session, base) -> {
      for (int seq = 0; seq < requests; seq++) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120))
            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
            .header("Warden-Session", session).header("Idempotency-Key", session + "-" + seq)
            .POST(HttpRequest.BodyPublishers.ofString("{\"session\":\"" + session + "\",\"seq\":" + seq + "}"))
            .build();
        long first = System.nanoTime();
        while (true) {
          long t0 = System.nanoTime();
          HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 429) {
            tooMany.incrementAndGet();
            long wait = r.headers().firstValueAsLong("Retry-After").orElse(1);
            retryAfterSum.addAndGet(wait);
            Thread.sleep(Duration.ofSeconds(wait));
            continue;
          }
          if (r.statusCode() == 200) {
            attemptNanos[base + seq] = System.nanoTime() - t0;
            endToEndNanos[base + seq] = System.nanoTime() - first;
            ok.incrementAndGet();
          } else {
            errors.incrementAndGet();
            System.err.println("unexpected " + r.statusCode() + ": " + r.body());
          }
          break;
        }
      }
    });
    double seconds = (System.nanoTime() - start) / 1e9;
    long peak = heap.peak();
    int n = sessions * requests;
    System.out.printf(Locale.ROOT, "%nburst: %d sessions x %d requests, runtime %d ms per request, max_concurrency 64,"
        + " max_queue 256, over HTTP/1.1 on 127.0.0.1%n", sessions, requests, delayMs);
    System.out.printf(Locale.ROOT, "  answered 200: %d of %d, other failures: %d, wall %.1f s, throughput %.0f req/s"
        + " (ceiling 64 / %d ms = %.0f req/s)%n", ok.get(), n, errors.get(), seconds, ok.get() / seconds, delayMs,
        64 * 1000.0 / delayMs);
    System.out.printf(Locale.ROOT, "  429 answers: %d (mean Retry-After %.2f s)%n", tooMany.get(),
        tooMany.get() == 0 ? 0.0 : retryAfterSum.get() / (double) tooMany.get());
    long[] attempts = java.util.Arrays.stream(attemptNanos).filter(v -> v > 0).toArray();
    long[] endToEnd = java.util.Arrays.stream(endToEndNanos).filter(v -> v > 0).toArray();
    System.out.printf(Locale.ROOT, "  latency of an admitted attempt: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        Machine.percentileMillis(attempts, attempts.length, 0.50),
        Machine.percentileMillis(attempts, attempts.length, 0.99),
        Machine.percentileMillis(attempts, attempts.length, 1.0));
    System.out.printf(Locale.ROOT, "  latency per request including 429 waits: p50 %.1f ms, p99 %.1f ms%n",
        Machine.percentileMillis(endToEnd, endToEnd.length, 0.50),
        Machine.percentileMillis(endToEnd, endToEnd.length, 0.99));
    System.out.printf(Locale.ROOT, "  peak heap used (sampled every 20 ms, garbage included): %d MiB; most running in"
        + " the runtime at once: %d%n", peak >> 20, runtime.maxRunning());
    check(runtime, sessions, requests);
  }

  /**
   * The same burst without HTTP: callers invoke the router in the process, so the figures are the
   * router's own (queueing, durable idempotency records, the runtime) without the HTTP stack's cost.
   */
  private static void burstInProcess(SessionRouter router, StandInRuntime runtime, int sessions, int requests,
      int delayMs, HeapWatch heap) throws Exception {
    Principal operator = new UserPrincipal("operator", Role.AUTHOR, Set.of());
    long[] attemptNanos = new long[sessions * requests];
    long[] endToEndNanos = new long[sessions * requests];
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger tooMany = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    int logBefore = runtime.log().size();
    heap.reset();
    long start = System.nanoTime();
    runSessions("q-", sessions, requests, errors, (session, base) -> {
      for (int seq = 0; seq < requests; seq++) {
        byte[] body = ("{\"session\":\"" + session + "\",\"seq\":" + seq + "}").getBytes(StandardCharsets.UTF_8);
        InvokeRequest request = new InvokeRequest(AGENT, session, null, session + "-" + seq, "application/json",
            body, Map.of());
        long first = System.nanoTime();
        while (true) {
          long t0 = System.nanoTime();
          try {
            router.invoke(operator, request).toCompletableFuture().get(120, TimeUnit.SECONDS);
            attemptNanos[base + seq] = System.nanoTime() - t0;
            endToEndNanos[base + seq] = System.nanoTime() - first;
            ok.incrementAndGet();
            break;
          } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof io.warden.core.session.RouterBusyException busy) {
              tooMany.incrementAndGet();
              Thread.sleep(Duration.ofSeconds(busy.retryAfterSeconds()));
              continue;
            }
            throw e;
          }
        }
      }
    });
    double seconds = (System.nanoTime() - start) / 1e9;
    int n = sessions * requests;
    long[] attempts = java.util.Arrays.stream(attemptNanos).filter(v -> v > 0).toArray();
    long[] endToEnd = java.util.Arrays.stream(endToEndNanos).filter(v -> v > 0).toArray();
    System.out.printf(Locale.ROOT, "%nburst in process (no HTTP): %d sessions x %d requests, runtime %d ms%n", sessions,
        requests, delayMs);
    System.out.printf(Locale.ROOT, "  answered: %d of %d, failures: %d, wall %.1f s, throughput %.0f req/s; 429 (busy):"
        + " %d%n", ok.get(), n, errors.get(), seconds, ok.get() / seconds, tooMany.get());
    System.out.printf(Locale.ROOT, "  latency of an admitted attempt: p50 %.1f ms, p99 %.1f ms; including busy waits:"
        + " p50 %.1f ms, p99 %.1f ms; peak heap used %d MiB%n",
        Machine.percentileMillis(attempts, attempts.length, 0.50),
        Machine.percentileMillis(attempts, attempts.length, 0.99),
        Machine.percentileMillis(endToEnd, endToEnd.length, 0.50),
        Machine.percentileMillis(endToEnd, endToEnd.length, 0.99), heap.peak() >> 20);
    check(runtime, "q-", sessions, requests, logBefore);
  }

  /** One session's calls; {@code base} is the index of its first request in the latency arrays. */
  @FunctionalInterface
  private interface SessionCalls {
    void run(String session, int base) throws Exception;
  }

  /**
   * Runs {@code sessions} sessions named {@code prefix + index} at once, each on its own virtual
   * thread, and waits for all; a session that throws counts in {@code errors}.
   */
  private static void runSessions(String prefix, int sessions, int requests, AtomicInteger errors,
      SessionCalls calls) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(sessions);
    for (int s = 0; s < sessions; s++) {
      String session = prefix + s;
      int base = s * requests;
      Thread.ofVirtual().start(() -> {
        try {
          calls.run(session, base);
        } catch (Exception e) {
          errors.incrementAndGet();
          System.err.println("session " + session + " failed: " + e);
        } finally {
          done.countDown();
        }
      });
    }
    done.await();
  }

  /** Reads the runtime's own log: every request exactly once, each session in order, never two at once. */
  private static void check(StandInRuntime runtime, int sessions, int requests) {
    check(runtime, "s-", sessions, requests, 0);
  }

  private static void check(StandInRuntime runtime, String prefix, int sessions, int requests, int skip) {
    Map<String, List<Integer>> bySession = new HashMap<>();
    int unparsed = 0;
    List<StandInRuntime.Ran> log = runtime.log();
    log = log.subList(Math.min(skip, log.size()), log.size());
    for (StandInRuntime.Ran ran : log) {
      Matcher m = RAN.matcher(ran.body());
      if (!m.matches()) {
        unparsed++;
        continue;
      }
      bySession.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(Integer.parseInt(m.group(2)));
    }
    int lost = 0;
    int twice = 0;
    int outOfOrder = 0;
    for (int s = 0; s < sessions; s++) {
      List<Integer> seqs = bySession.getOrDefault(prefix + s, List.of());
      boolean[] seen = new boolean[requests];
      int last = -1;
      for (int seq : seqs) {
        if (seen[seq]) {
          twice++;
        }
        seen[seq] = true;
        if (seq < last) {
          outOfOrder++;
        }
        last = seq;
      }
      for (boolean b : seen) {
        if (!b) {
          lost++;
        }
      }
    }
    System.out.printf(Locale.ROOT, "  runtime log: %d entries; lost %d, run twice %d, out of order %d, two of one"
        + " session at once %d (whole run), unreadable %d%n", log.size(), lost, twice, outOfOrder, runtime.overlaps(),
        unparsed);
  }

  private static void parked(SessionRouter router, StandInRuntime runtime, StateStore store, Path dir, int count,
      int port, String token) throws Exception {
    runtime.setDelay(Duration.ZERO);
    Principal operator = new UserPrincipal("operator", Role.AUTHOR, Set.of());
    long before = HeapWatch.usedAfterGc();
    Semaphore permits = new Semaphore(256);
    AtomicInteger failures = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(count);
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      String id = "p-" + i;
      permits.acquire();
      Thread.ofVirtual().start(() -> {
        try {
          router.invoke(operator, new InvokeRequest(AGENT, id, null, null, "application/json",
              "{}".getBytes(StandardCharsets.UTF_8), Map.of())).toCompletableFuture().get(60, TimeUnit.SECONDS);
          router.suspend(operator, id, new SessionWait(SessionWait.Kind.TOOL, "erp"));
        } catch (Exception e) {
          if (failures.incrementAndGet() < 5) {
            System.err.println("parking " + id + " failed: " + e);
          }
        } finally {
          permits.release();
          done.countDown();
        }
      });
    }
    done.await();
    double seconds = (System.nanoTime() - start) / 1e9;
    int heldByRuntime = runtime.sessionsInMemory();
    long after = HeapWatch.usedAfterGc();
    long disk = Machine.directorySize(dir.resolve("sessions"));
    Random random = new Random(7);
    int samples = 200;
    long[] resume = new long[samples];
    long[] firstRequest = new long[samples];
    for (int i = 0; i < samples; i++) {
      String id = "p-" + random.nextInt(count);
      long t0 = System.nanoTime();
      router.resume(operator, id);
      resume[i] = System.nanoTime() - t0;
      long t1 = System.nanoTime();
      router.invoke(operator, new InvokeRequest(AGENT, id, null, null, "application/json",
          "{}".getBytes(StandardCharsets.UTF_8), Map.of())).toCompletableFuture().get(60, TimeUnit.SECONDS);
      firstRequest[i] = System.nanoTime() - t1;
    }
    HttpClient http = HttpClient.newHttpClient();
    long[] list = new long[20];
    for (int i = 0; i < list.length; i++) {
      long t0 = System.nanoTime();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
              + "/api/v1/sessions?agent=" + AGENT + "&limit=100&after=p-" + random.nextInt(count)))
          .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
      list[i] = System.nanoTime() - t0;
      if (r.statusCode() != 200) {
        System.err.println("listing failed: " + r.statusCode() + " " + r.body());
      }
    }
    long parkedNow = router.list(operator, AGENT, "", 1000).stream().filter(s -> s.state().name().equals("PARKED"))
        .count();
    System.out.printf(Locale.ROOT, "%nparked: %d sessions started and parked in %.1f s (%d failures); the runtime"
        + " then held %d sessions in memory (the burst's, never parked)%n", count, seconds, failures.get(),
        heldByRuntime);
    System.out.printf(Locale.ROOT, "  heap used after GC: %d MiB before, %d MiB with them parked (%+d MiB, %.0f bytes"
        + " per parked session)%n", before >> 20, after >> 20, (after - before) >> 20,
        (after - before) / (double) count);
    System.out.printf(Locale.ROOT, "  disk: %.1f MiB for the session store (%.0f bytes per session)%n",
        disk / 1048576.0, disk / (double) count);
    System.out.printf(Locale.ROOT, "  resume one (checkpoint read, runtime resume, durable write): p50 %.2f ms, max %.2f"
        + " ms over %d; its first request after: p50 %.2f ms%n", Machine.percentileMillis(resume, samples, 0.5),
        Machine.percentileMillis(resume, samples, 1.0), samples, Machine.percentileMillis(firstRequest, samples, 0.5));
    System.out.printf(Locale.ROOT, "  GET /api/v1/sessions?agent=&limit=100 among them: p50 %.1f ms; parked in the"
        + " first 1000 listed: %d%n", Machine.percentileMillis(list, list.length, 0.5), parkedNow);
    store.page("sessions", "", "", 1); // the store is still readable
  }

  /** Samples used heap every 20 ms; {@link #usedAfterGc()} measures what is live. */
  private static final class HeapWatch {
    private final AtomicLong peak = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    HeapWatch() {
      thread = Thread.ofPlatform().daemon().name("heap-watch").start(() -> {
        while (running) {
          peak.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
    }

    void reset() {
      peak.set(0);
    }

    long peak() {
      return peak.get();
    }

    void stop() {
      running = false;
      thread.interrupt();
    }

    static long usedAfterGc() throws InterruptedException {
      for (int i = 0; i < 3; i++) {
        System.gc();
        Thread.sleep(200);
      }
      return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
  }
}
