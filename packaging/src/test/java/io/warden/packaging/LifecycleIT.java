package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.warden.testing.TestPorts;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Starting and stopping the packaged appliance as an operator does: a bad setting or a busy port is
 * one line before anything starts; SIGTERM under OTLP ingest load stops in order, quietly, within
 * 5 s, with exit code 0 and a final "Warden stopped", and the next start finds everything intact.
 */
@Timeout(300)
class LifecycleIT extends ApplianceTestBase {
  private static final Pattern STACK_LINE = Pattern.compile("(?m)^\\s+at [\\w.$/]+\\(.*\\)$");

  @Test
  void sigterm_underIngestLoad_stopsQuietlyWithinFiveSeconds_exitZero() throws Exception {
    int otlpPort = TestPorts.free();
    AtomicLong acked = new AtomicLong();
    warden = WardenProcess.start(tmp.resolve("data"), Map.of("WARDEN_OTLP_HTTP_PORT", Integer.toString(otlpPort)));
    String admin = warden.adminToken();
    String credential = warden.post(admin, "/api/v1/agents/reconciliation-finance/credentials", Map.of())
        .body().path("credential").asText();

    // Two threads export spans with large prompts as fast as the SDK will, so indexing lags ingest.
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "finance-runtime")))
        .addSpanProcessor(BatchSpanProcessor.builder(new Counting(OtlpHttpSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + otlpPort + "/v1/traces")
                .addHeader("Authorization", "Bearer " + credential)
                .setTimeout(Duration.ofSeconds(10))
                .build(), acked))
            .setMaxQueueSize(20_000).setMaxExportBatchSize(500).setScheduleDelay(Duration.ofMillis(20)).build())
        .build();
    Tracer tracer = provider.get("lifecycle-it");
    assertThat(acked.get()).isZero();
    String prompt = "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\""
        + "reconcile invoice and ledger entry ".repeat(60) + "\"}]}]";
    AtomicBoolean loading = new AtomicBoolean(true);
    AtomicLong made = new AtomicLong();
    List<Thread> load = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Thread thread = Thread.ofPlatform().daemon().start(() -> {
        while (loading.get()) {
          if (made.get() - acked.get() > 10_000) { // flow control: at most 10,000 spans in flight
            LockSupport.parkNanos(1_000_000);
            continue;
          }
          made.incrementAndGet();
          tracer.spanBuilder("chat claude-opus-4-7")
              .setAttribute("gen_ai.operation.name", "chat")
              .setAttribute("gen_ai.agent.name", "reconciliation-finance")
              .setAttribute("gen_ai.request.model", "claude-opus-4-7")
              .setAttribute("gen_ai.usage.input_tokens", 1200L)
              .setAttribute("gen_ai.input.messages", prompt)
              .startSpan().end();
        }
      });
      load.add(thread);
    }
    try {
      // Ingest is running and spans are searchable; the stop comes once 20,000 large spans were
      // acknowledged (fsynced), more than the indexer keeps up with here.
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
          warden.get(admin, "/api/v1/traces/search?agent=reconciliation-finance&limit=1").body().path("hits").size() == 1);
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> acked.get() >= 20_000);

      long start = System.nanoTime();
      OptionalInt exit = warden.terminate(Duration.ofSeconds(5));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

      String log = warden.log();
      // Ingest and the API ran on Netty's native transport, the one this platform's jar ships.
      if (System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64")) {
        assertThat(log).contains("network transport epoll");
      }
      assertThat(exit).as("stopped within 5 s (took %d ms); log:%n%s", tookMs, tail(log)).isPresent();
      assertThat(exit.getAsInt()).as("exit code; log:%n%s", tail(log)).isZero();
      assertThat(STACK_LINE.matcher(log).find()).as("no stack trace in the log:%n%s", tail(log)).isFalse();
      String stopping = log.substring(log.indexOf("stopping Warden"));
      assertThat(stopping).doesNotContain("Exception");
      List<String> lines = log.strip().lines().toList();
      assertThat(lines.get(lines.size() - 1)).endsWith("Warden stopped");
      assertThat(log.split("Warden stopped", -1)).hasSize(2);
    } finally {
      loading.set(false);
      for (Thread t : load) {
        t.join(10_000);
      }
      provider.shutdown().join(5, TimeUnit.SECONDS);
    }

    // The next start finds an intact audit chain and serves the spans taken before the stop.
    warden.launch();
    assertThat(warden.get(admin, "/api/v1/traces/search?agent=reconciliation-finance&limit=1").body()
        .path("hits").size()).isEqualTo(1);
    warden.terminate(Duration.ofSeconds(30));
    Result verify = cli("audit", "verify", "--data", warden.dataDir.toString());
    assertThat(verify.exitCode()).as(verify.output()).isZero();
  }

  @Test
  void busyPort_isOneLine_namingThePortAndTheSetting_beforeAnythingStarts() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Path data = tmp.resolve("data");
      Result r = runAppliance(data, Map.of("WARDEN_OTLP_GRPC_PORT", Integer.toString(busy.getLocalPort())));
      assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
      assertThat(r.output().strip().lines()).as(r.output()).containsExactly("error: cannot start: otlp.grpc_port: "
          + "127.0.0.1:" + busy.getLocalPort() + " is already in use by another program; stop that program, "
          + "or set otlp.grpc_port in warden.yaml or WARDEN_OTLP_GRPC_PORT to another port");
      assertThat(data.resolve("git")).as("nothing started").doesNotExist();
      assertThat(data.resolve("policy")).doesNotExist();
    }
  }

  @Test
  void badSettings_areAllReported_beforeAnythingStarts() throws Exception {
    Path data = tmp.resolve("data");
    Result r = runAppliance(data, Map.of("WARDEN_HTTP_PORT", "abc", "WARDEN_TRACE_STORE_WAL_MAX_BYTE", "1"));
    assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
    assertThat(r.output().strip().lines()).as(r.output()).containsExactly(
        "error: invalid configuration, 2 problems:",
        "  environment variable WARDEN_TRACE_STORE_WAL_MAX_BYTE: not a Warden setting; did you mean "
            + "WARDEN_TRACE_STORE_WAL_MAX_BYTES? Settings are WARDEN_ + the key in upper case with dots as "
            + "underscores (http.port -> WARDEN_HTTP_PORT); unset it or see warden.yaml",
        "  environment variable WARDEN_HTTP_PORT: http.port: must be a port number 0-65535 (0: any free port), "
            + "got 'abc'");
    assertThat(data).as("nothing started, not even the data directory").doesNotExist();
  }

  /** {@code warden run} to its end, on free ports unless {@code env} says otherwise. */
  private Result runAppliance(Path data, Map<String, String> env) throws Exception {
    Map<String, String> all = new HashMap<>(Map.of(
        "WARDEN_DATA", data.toString(),
        "WARDEN_HTTP_PORT", Integer.toString(TestPorts.free()),
        "WARDEN_OTLP_GRPC_PORT", "0", "WARDEN_OTLP_HTTP_PORT", "0", "WARDEN_POLICY_SIDECAR_PORT", "0"));
    all.putAll(env);
    ProcessBuilder pb = new ProcessBuilder(WardenProcess.cli("run")).directory(tmp.toFile()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("WARDEN_"));
    pb.environment().putAll(all);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  /** Counts the spans Warden acknowledged. */
  private record Counting(SpanExporter delegate, AtomicLong acked) implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      CompletableResultCode result = delegate.export(spans);
      result.whenComplete(() -> {
        if (result.isSuccess()) {
          acked.addAndGet(spans.size());
        }
      });
      return result;
    }

    @Override
    public CompletableResultCode flush() {
      return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
      return delegate.shutdown();
    }
  }

  private static String tail(String log) {
    List<String> lines = log.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }
}
