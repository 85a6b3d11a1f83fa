package io.warden.tracestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.trace.Span;
import io.warden.core.trace.SpanQuery;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a receiver acknowledged survives {@code kill -9}: the store runs in a child JVM that never
 * commits its index, the real OTel exporters send batches over gRPC and HTTP, the child is killed
 * with SIGKILL right after the last acknowledgement, and a new store on the same directory finds
 * every acknowledged span.
 */
@Timeout(180)
class TraceStoreKillIT {
  @TempDir
  Path dir;

  @Test
  void acknowledgedSpans_surviveKill9AndAreReplayed() throws Exception {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), TraceStoreChild.class.getName(), dir.toString());
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    Set<String> acked = new HashSet<>();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String[] ready = readyLine(out);
      int httpPort = Integer.parseInt(ready[1]);
      int grpcPort = Integer.parseInt(ready[2]);
      String secret = ready[3];
      Thread.ofPlatform().daemon().start(() -> out.lines().forEach(l -> { }));
      try (OtelSdk http = new OtelSdk(OtelSdk.Protocol.HTTP, "127.0.0.1", httpPort, secret, "planner");
          OtelSdk grpc = new OtelSdk(OtelSdk.Protocol.GRPC, "127.0.0.1", grpcPort, secret, "planner")) {
        for (int batch = 0; batch < 10; batch++) {
          OtelSdk sdk = batch % 2 == 0 ? http : grpc;
          List<String> ids = new ArrayList<>();
          for (int i = 0; i < 50; i++) {
            Span s = sdk.tracer().spanBuilder("span " + batch + "/" + i)
                .setAttribute("warden.text", "durable batch" + batch).startSpan();
            s.end();
            ids.add(s.getSpanContext().getSpanId());
          }
          assertThat(sdk.flush()).as("batch %d acknowledged", batch).isTrue();
          acked.addAll(ids);
        }
        // SIGKILL right after the last acknowledgement: no shutdown hook, no index commit.
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      child.destroyForcibly();
    }
    assertThat(acked).hasSize(500);
    try (Stream<Path> wal = Files.list(dir.resolve("data/traces/wal"))) {
      assertThat(wal.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".wal"));
    }

    try (Identities ids = new Identities(dir.resolve("identity-after"));
        TraceStore store = ids.storeBuilder(dir.resolve("data")).build()) {
      store.start().await();
      SpanQuery all = new SpanQuery("durable", null, null, null, null, null, null, null, null, null, 1000);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(store.search(all).hits()).hasSize(500));
      Set<String> found = new HashSet<>();
      store.search(all).hits().forEach(h -> found.add(h.span().spanId()));
      assertThat(found).isEqualTo(acked);
    }
  }

  private static String[] readyLine(BufferedReader out) throws Exception {
    String line;
    List<String> seen = new ArrayList<>();
    while ((line = out.readLine()) != null) {
      if (line.startsWith("ready ")) {
        return line.split(" ");
      }
      seen.add(line);
    }
    throw new AssertionError("child exited before it was ready: " + seen);
  }
}
