package io.warden.bench.tracestore;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.warden.core.audit.AuditLog;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.Principal;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.SyncStatus;
import io.warden.core.store.StateStore;
import io.warden.tracestore.TraceStore;
import java.nio.file.Files;
import org.jspecify.annotations.Nullable;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Ingest throughput: many concurrent real OpenTelemetry SDK exporters ({@code OtlpHttpSpanExporter}
 * with protobuf, then {@code OtlpGrpcSpanExporter}) send batches of GenAI chat spans, each with fresh
 * ids, to one trace store authenticating a real agent credential. Counts spans acknowledged (200 /
 * OK: fsynced in the write-ahead log) per second, request latency, refusals (429), and how long the
 * Lucene index takes afterwards to catch up with everything acknowledged: the indexed rate under
 * load (spans acknowledged minus those the index was behind when the load ended, over the load's
 * time, warm-up included) and after it (those behind over the catch-up time).
 *
 * <p>It also prints the process's CPU time per 1,000 acknowledged spans over the whole run (until
 * the index caught up), split by thread role: ingest (receivers, decode, mapping, log), indexing
 * (Lucene applier, refresh, merges) and the load generator (exporters). On a shared machine this
 * is steadier than the rate.
 *
 * <p>Searchability: one acknowledged batch in {@value #PROBE_EVERY} is a probe; a probe thread
 * searches for its trace id ({@code trace_id:...}, page of one) until the search finds it and prints
 * the lag between the acknowledgement and that search, p50/p99/max: how long an acknowledged span
 * takes to become searchable (the issue's bound is 5 s).
 *
 * <p>Arguments (optional): {@code exporters seconds batchSize protocols} (default
 * {@code 32 15 512 http/protobuf,grpc}). The client and the server share the machine, so the
 * figure is a floor for the server alone.
 *
 * <p>By default every exporter sends its next batch as soon as the last one is acknowledged: the
 * highest rate the server acknowledges. {@code -Drate=SPANS_PER_SECOND} paces the exporters to that
 * rate instead (batches on a fixed schedule shared by all of them; a server that falls behind it
 * shows as a lower acknowledged rate and growing lag): what a rate is sustained at. A run of two
 * minutes or more prints a line every {@code -Dinterval=SECONDS} (default 60): rate acknowledged,
 * refusals, spans the index is behind, and the lag of the probes found in that interval.
 */
public final class OtlpIngestBench {
  private static final String AGENT = "bench-agent";
  /** One acknowledged batch in this many is probed for searchability. */
  static final int PROBE_EVERY = 8;

  private OtlpIngestBench() {}

  public static void main(String[] args) throws Exception {
    int exporters = args.length > 0 ? Integer.parseInt(args[0]) : 32;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    int batchSize = args.length > 2 ? Integer.parseInt(args[2]) : 512;
    List<String> protocols = List.of((args.length > 3 ? args[3] : "http/protobuf,grpc").split(","));
    System.out.println(Machine.describe());
    Path dir = Files.createTempDirectory("warden-ingest-bench");
    try (StateStore state = StateStore.open(dir.resolve("state.db"));
        AuditLog audit = AuditLog.open(dir.resolve("audit.log"))) {
      Inventory inventory = Inventory.create();
      inventory.replace("bench", List.of(new AgentState(new AgentDescriptor(AgentDescriptor.API_VERSION,
          AgentDescriptor.KIND, new AgentDescriptor.Metadata(AGENT, "bench", Map.of()),
          new AgentDescriptor.Spec(null, null, List.of(), null, null, null, null, null, null, List.of())),
          "bench", SyncStatus.SYNCED, "", Instant.EPOCH)));
      IdentityService identity = IdentityService.create(state, audit, inventory, dir.resolve("signing.key"),
          Clock.systemUTC());
      Principal admin = identity.authenticate(identity.bootstrapAdmin().orElseThrow().secret());
      String secret = identity.issueCredential(admin, AGENT).secret();
      List<SpanData> templates = templates(batchSize);
      for (String protocol : protocols) {
        Path data = dir.resolve("data-" + protocol.replace('/', '-'));
        try (TraceStore store = TraceStore.builder(data).setIdentityService(identity).setInventory(inventory)
            .setHttpPort(0).setGrpcPort(0).build()) {
          store.start().await();
          run(protocol, store, store.httpPort(), store.grpcPort(), secret, templates, exporters, seconds);
        }
        Machine.deleteTree(data);
      }
    } finally {
      Machine.deleteTree(dir);
    }
  }

  /**
   * Runs the load against the OTLP endpoints on {@code httpPort} / {@code grpcPort} of this host.
   * With a {@code store}, also waits for its index to catch up and measures searchability; without
   * (a peer such as an OpenTelemetry Collector, see {@code PeerIngest}), acknowledgements only.
   */
  static void run(String protocol, @Nullable TraceStore store, int httpPort, int grpcPort, String secret,
      List<SpanData> templates, int exporters, int seconds) throws Exception {
    List<SpanExporter> clients = new ArrayList<>();
    for (int i = 0; i < exporters; i++) {
      clients.add(protocol.equals("grpc")
          ? OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + grpcPort)
              .addHeader("Authorization", "Bearer " + secret).setTimeout(Duration.ofSeconds(30)).build()
          : OtlpHttpSpanExporter.builder().setEndpoint("http://127.0.0.1:" + httpPort + "/v1/traces")
              .addHeader("Authorization", "Bearer " + secret).setTimeout(Duration.ofSeconds(30)).build());
    }
    AtomicLong spans = new AtomicLong();
    AtomicLong allSpans = new AtomicLong(); // warm-up included, for CPU per span over the whole run
    CpuSplit cpu = CpuSplit.start();
    AtomicLong requests = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    long[] latencies = new long[2_000_000];
    AtomicLong latencyCount = new AtomicLong();
    SearchLag searchLag = store == null ? null : SearchLag.start(store);
    AtomicLong acked = new AtomicLong();
    long loadStart = System.nanoTime();
    long warmupEnd = loadStart + TimeUnit.SECONDS.toNanos(3);
    long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
    long rate = Long.getLong("rate", 0);
    long batchEveryNanos = rate <= 0 ? 0 : Math.max(1, TimeUnit.SECONDS.toNanos(templates.size()) / rate);
    AtomicLong nextBatch = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (SpanExporter client : clients) {
      threads.add(Thread.ofPlatform().name("exporter").start(() -> {
        IdGenerator ids = IdGenerator.random();
        while (System.nanoTime() < end) {
          List<SpanData> batch = fresh(templates, ids);
          if (batchEveryNanos > 0) {
            long due = loadStart + nextBatch.getAndIncrement() * batchEveryNanos;
            for (long wait; (wait = due - System.nanoTime()) > 0; ) {
              LockSupport.parkNanos(wait);
            }
          }
          long t0 = System.nanoTime();
          CompletableResultCode r = client.export(batch).join(60, TimeUnit.SECONDS);
          long t1 = System.nanoTime();
          if (r.isSuccess()) {
            allSpans.addAndGet(batch.size());
            if (searchLag != null && acked.incrementAndGet() % PROBE_EVERY == 0) {
              searchLag.probe(batch.get(0).getTraceId(), t1);
            }
          }
          if (t0 < warmupEnd) {
            continue;
          }
          if (t1 > end) {
            break;
          }
          requests.incrementAndGet();
          if (r.isSuccess()) {
            spans.addAndGet(batch.size());
            long i = latencyCount.getAndIncrement();
            if (i < latencies.length) {
              latencies[(int) i] = t1 - t0;
            }
          } else {
            failures.incrementAndGet();
          }
        }
        cpu.sampleCurrentThread();
      }));
    }
    long interval = TimeUnit.SECONDS.toNanos(Long.getLong("interval", 60));
    if (seconds >= 120) {
      long spansBefore = 0;
      long failuresBefore = 0;
      for (long next = warmupEnd + interval; next < end; next += interval) {
        for (long wait; (wait = next - System.nanoTime()) > 0; ) {
          LockSupport.parkNanos(wait);
        }
        long spansNow = spans.get();
        long failuresNow = failures.get();
        System.out.printf(Locale.ROOT, "ingest %-13s at %3d s: %,.0f spans/s acknowledged, %d refused/failed requests%s%n",
            protocol, TimeUnit.NANOSECONDS.toSeconds(next - warmupEnd),
            (spansNow - spansBefore) / (interval / 1e9), failuresNow - failuresBefore,
            store == null ? "" : String.format(Locale.ROOT, ", index %,d spans behind, %s",
                luceneLagEntries(store) * templates.size(), searchLag.intervalReport()));
        spansBefore = spansNow;
        failuresBefore = failuresNow;
      }
    }
    for (Thread t : threads) {
      t.join();
    }
    cpu.sample(); // before the client threads go away
    int n = (int) Math.min(latencyCount.get(), latencies.length);
    System.out.printf(Locale.ROOT, "ingest %-13s exporters=%d batch=%d%s: %,.0f spans/s acknowledged%s, "
            + "%,.0f requests/s, request p50 %.1f ms p99 %.1f ms, refused/failed requests %d%n",
        protocol, exporters, templates.size(), rate > 0 ? String.format(Locale.ROOT, " paced to %,d spans/s", rate) : "",
        spans.get() / (double) seconds,
        store == null ? " (peer)" : " (fsynced)", requests.get() / (double) seconds,
        Machine.percentileMillis(latencies, n, 0.50), Machine.percentileMillis(latencies, n, 0.99), failures.get());
    for (SpanExporter c : clients) {
      c.shutdown().join(10, TimeUnit.SECONDS);
    }
    if (store == null) {
      System.out.printf(Locale.ROOT, "ingest %-13s %s%n", protocol, cpu.report(allSpans.get()));
      return;
    }
    long t0 = System.nanoTime();
    // Every request is one log entry of templates.size() spans: entries behind are spans behind.
    long behindAtEnd = luceneLagEntries(store) * templates.size();
    long indexedUnderLoad = allSpans.get() - behindAtEnd;
    while (luceneLagEntries(store) != 0) {
      Thread.sleep(100);
    }
    double catchUp = (System.nanoTime() - t0) / 1e9;
    searchLag.finish();
    System.out.printf(Locale.ROOT, "ingest %-13s Lucene caught up %.1f s after the last acknowledgement "
        + "(indexing %,.0f spans/s over the whole run)%n", protocol, catchUp, spans.get() / (seconds + catchUp));
    System.out.printf(Locale.ROOT, "ingest %-13s indexed %,.0f spans/s under load (%,d of %,d acknowledged spans "
        + "when it ended), %,.0f spans/s after it (the %,d behind)%n", protocol,
        indexedUnderLoad / ((t0 - loadStart) / 1e9), indexedUnderLoad, allSpans.get(),
        catchUp > 0 ? behindAtEnd / catchUp : 0.0, behindAtEnd);
    System.out.printf(Locale.ROOT, "ingest %-13s %s%n", protocol, searchLag.report());
    System.out.printf(Locale.ROOT, "ingest %-13s %s%n", protocol, cpu.report(allSpans.get()));
  }

  /** Log entries the Lucene store has not applied yet. */
  private static long luceneLagEntries(TraceStore store) {
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> stores = (Map<String, Map<String, Object>>) store.refreshHealth().details().get("stores");
    // By prefix: the layout version in the name differs between the sides of bench/compare.sh.
    return stores.entrySet().stream().filter(e -> e.getKey().startsWith("lucene-"))
        .mapToLong(e -> ((Number) e.getValue().get("lag_entries")).longValue()).sum();
  }

  /** The batch with fresh trace and span ids, so every export is new data. */
  private static List<SpanData> fresh(List<SpanData> templates, IdGenerator ids) {
    List<SpanData> out = new ArrayList<>(templates.size());
    String trace = ids.generateTraceId();
    for (SpanData t : templates) {
      SpanContext ctx = SpanContext.create(trace, ids.generateSpanId(), TraceFlags.getSampled(), TraceState.getDefault());
      out.add(new DelegatingSpanData(t) {
        @Override
        public SpanContext getSpanContext() {
          return ctx;
        }

        @Override
        public SpanContext getParentSpanContext() {
          return SpanContext.getInvalid();
        }
      });
    }
    return out;
  }

  /** GenAI chat spans as an instrumented agent runtime produces them. */
  static List<SpanData> templates(int n) {
    InMemorySpanExporter collect = InMemorySpanExporter.create();
    try (SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.create(Attributes.builder().put("service.name", AGENT).build()))
        .addSpanProcessor(SimpleSpanProcessor.create(collect)).build()) {
      for (int i = 0; i < n; i++) {
        Span s = provider.get("bench").spanBuilder("chat claude-opus-4-7")
            .setAttribute("gen_ai.operation.name", "chat")
            .setAttribute("gen_ai.provider.name", "anthropic")
            .setAttribute("gen_ai.request.model", "claude-opus-4-7")
            .setAttribute("gen_ai.response.model", "claude-opus-4-7")
            .setAttribute("gen_ai.usage.input_tokens", 1200L + i)
            .setAttribute("gen_ai.usage.output_tokens", 180L)
            .setAttribute("gen_ai.conversation.id", "conv-" + (i % 97))
            .setAttribute("gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":"
                + "\"Reconcile invoice " + (4000 + i) + " for customer ACME against the ledger and draft an email "
                + "to accounts payable if the amounts differ by more than one percent.\"}]}]")
            .setAttribute("gen_ai.output.messages", "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\","
                + "\"content\":\"Invoice " + (4000 + i) + " matches ledger entry L-" + (9000 + i)
                + "; no email needed.\"}],\"finish_reason\":\"stop\"}]")
            .startSpan();
        s.end();
      }
      // Before the provider closes: closing shuts the exporter down, which empties it.
      return collect.getFinishedSpanItems();
    }
  }
}
