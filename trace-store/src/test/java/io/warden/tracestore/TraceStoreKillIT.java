package io.warden.tracestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.trace.Span;
import io.warden.core.trace.SpanQuery;
import io.warden.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
    Set<String> acked = new HashSet<>();
    try (ChildJvm child = ChildJvm.start(TraceStoreChild.class, List.of("-Xmx256m"), dir.toString())) {
      String[] ready = child.awaitLine(l -> l.startsWith("ready "), Duration.ofSeconds(60)).split(" ");
      int httpPort = Integer.parseInt(ready[1]);
      int grpcPort = Integer.parseInt(ready[2]);
      String secret = ready[3];
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
        child.killHard();
      }
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
}
