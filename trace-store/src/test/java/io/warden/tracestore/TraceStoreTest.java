package io.warden.tracestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.warden.core.WardenException;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.health.Health;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.inventory.Inventory;
import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import io.warden.tracestore.lucene.LuceneSpanStore;
import io.warden.tracestore.pricing.Pricing;
import java.nio.charset.StandardCharsets;
import io.vertx.core.Context;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TraceStoreTest {
  @TempDir
  Path dir;

  private TraceStore store() {
    return TraceStore.builder(dir).setAuthenticator((b, source) -> new UserPrincipal("u", io.warden.core.identity.Role.AUTHOR,
        null)).setInventory(Inventory.create()).build();
  }

  @Test
  void mainListener_reloadsPricing_keepsOldOnError_andZeroWhenMissing() throws Exception {
    TraceStore store = store();
    assertThat(store.pricing().models()).containsKey("claude-opus-4-7");
    String yaml = "models:\n  house-model:\n    input_per_mtok: 1\n    output_per_mtok: 2\n";
    store.mainListener().onMainChanged(RepoSnapshot.of("c1", Map.of(Pricing.FILE,
        yaml.getBytes(StandardCharsets.UTF_8))));
    assertThat(store.pricing().models()).containsOnlyKeys("house-model");
    assertThatThrownBy(() -> store.mainListener().onMainChanged(RepoSnapshot.of("c2", Map.of(Pricing.FILE,
        "models: 3\n".getBytes(StandardCharsets.UTF_8)))))
        .isInstanceOf(WardenException.class).hasMessageContaining("pricing.yaml:1:1: models: expected a mapping");
    assertThat(store.pricing().models()).containsOnlyKeys("house-model");
    store.mainListener().onMainChanged(RepoSnapshot.of("c3", Map.of()));
    assertThat(store.pricing().models()).isEmpty();
  }

  @Test
  void seedFiles_holdAValidPricingFile() {
    byte[] pricing = TraceStore.seedFiles().get("pricing.yaml");
    assertThat(Pricing.parse("pricing.yaml", pricing).models()).isNotEmpty();
  }

  @Test
  void builder_inconsistentOptions_areRefusedAtBuild() {
    assertThatThrownBy(() -> TraceStore.builder(dir).setInventory(Inventory.create()).build())
        .hasMessage("identity service not set: call setIdentityService(...)");
    assertThatThrownBy(() -> TraceStore.builder(dir).setAuthenticator((b, source) -> null).setInventory(Inventory.create())
        .setSpanRetention(Duration.ofDays(1)).setTextRetention(Duration.ofDays(2)).build())
        .hasMessageContaining("text retention (PT48H) must not exceed span retention (PT24H)");
    assertThatThrownBy(() -> TraceStore.builder(dir).setHttpPort(70000)).hasMessage("http port must be 0..65535, got 70000");
  }

  @Test
  void queries_beforeStart_sayTheStoreIsNotRunning() {
    TraceStore store = store();
    assertThat(store.health().state()).isEqualTo(Health.State.DOWN);
    assertThat(store.health().message()).isEqualTo("trace store not started");
    assertThatThrownBy(() -> store.trace("0af7651916cd43dd8448eb211c80319c"))
        .isInstanceOfSatisfying(WardenException.class, e -> assertThat(e.code()).isEqualTo("unavailable"));
  }

  @Test
  void start_portInUse_failsWithTheStoreClosedAndNeverClosesOnAnEventLoop() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      TraceStore store = TraceStore.builder(dir)
          .setAuthenticator((b, source) -> new UserPrincipal("u", io.warden.core.identity.Role.AUTHOR, null))
          .setInventory(Inventory.create()).setHost("127.0.0.1").setHttpPort(busy.getLocalPort()).setGrpcPort(0)
          .build();
      AtomicReference<Boolean> failedOnEventLoop = new AtomicReference<>();
      AtomicReference<Health> healthWhenFailed = new AtomicReference<>();
      CompletableFuture<Void> started = store.start().onFailure(e -> {
        failedOnEventLoop.set(Context.isOnEventLoopThread());
        healthWhenFailed.set(store.health());
      }).toCompletionStage().toCompletableFuture();
      assertThatThrownBy(started::join).hasMessageContaining("Address already in use");
      // Closing (undeploy, final commits) blocks: it ran, and the future failed, off the event loop.
      assertThat(failedOnEventLoop.get()).isFalse();
      assertThat(healthWhenFailed.get().state()).isEqualTo(Health.State.DOWN);
      assertThat(healthWhenFailed.get().message()).isEqualTo("trace store closed");
    }
  }

  /**
   * An index of an earlier layout, written by the old code: {@code lucene-v1}'s is copied, {@code
   * lucene-v3}'s opened as it is; either way its log checkpoint carries over, so the spans
   * acknowledged after it are applied from the log position the old index had reached (neither
   * skipped nor replayed from the start).
   */
  @ParameterizedTest
  @CsvSource({"lucene-v1-index.zip, lucene-v1", "lucene-v3-index.zip, lucene-v3"})
  void start_overAnEarlierLayoutsIndex_opensItAndKeepsApplyingFromItsCheckpoint(String fixture, String layout)
      throws Exception {
    TraceStore first = TraceStore.builder(dir).setAuthenticator((b, source) -> null).setInventory(Inventory.create())
        .setHost("127.0.0.1").setHttpPort(0).setGrpcPort(0).build();
    first.start().toCompletionStage().toCompletableFuture().join();
    first.spanSink().write(sinkSpan("1111111111111111", "before the upgrade")).toCompletableFuture().join();
    await().untilAsserted(() -> assertThat(first.search(textQuery("before")).hits()).hasSize(1));
    first.close();
    // What the old version left: its index (written by that layout's code) and its checkpoint, past
    // the entry above.
    Path traces = dir.resolve("traces");
    Path wal = traces.resolve("wal");
    Files.move(wal.resolve(LuceneSpanStore.NAME + ".checkpoint"), wal.resolve(layout + ".checkpoint"));
    Files.move(traces.resolve("lucene"), dir.resolve("index-written-by-this-version"));
    Files.createDirectories(traces.resolve("lucene"));
    try (var zip = new java.util.zip.ZipInputStream(
        LuceneSpanStore.class.getResourceAsStream(fixture))) {
      for (var e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        Files.copy(zip, traces.resolve("lucene").resolve(e.getName()));
      }
    }

    TraceStore second = TraceStore.builder(dir).setAuthenticator((b, source) -> null)
        .setInventory(Inventory.create()).setHost("127.0.0.1").setHttpPort(0).setGrpcPort(0).build();
    try {
      second.start().toCompletionStage().toCompletableFuture().join();
      assertThat(wal.resolve(layout + ".checkpoint")).doesNotExist();
      second.spanSink().write(sinkSpan("2222222222222222", "after the upgrade")).toCompletableFuture().join();
      await().untilAsserted(() -> assertThat(second.search(textQuery("upgrade")).hits())
          .extracting(h -> h.span().spanId()).containsExactly("2222222222222222"));
      // The old index's spans, and not the entry its checkpoint had passed (the fixture never had it).
      assertThat(second.search(textQuery("\"invoice 4711\"")).hits()).hasSize(1);
      assertThat(second.search(textQuery("before")).hits()).isEmpty();
      assertThat(Files.readString(wal.resolve(LuceneSpanStore.NAME + ".checkpoint")).strip()).isNotEqualTo("0");
    } finally {
      second.close();
    }
  }

  private static SpanQuery textQuery(String text) {
    return new SpanQuery(text, null, null, null, null, null, null, null, null, null, 50);
  }

  private static SpanRecord sinkSpan(String spanId, String text) {
    long start = Instant.now().toEpochMilli() * 1_000_000L;
    return new SpanRecord("3".repeat(32), spanId, "", "3".repeat(32), "chat gpt-4o", "gateway", "planner", "chat", start,
        start + 1_000_000, "OK", "", "gpt-4o", "", 1, 1, 0, "", "", "", List.of("planner"), BigDecimal.ZERO, text,
        Map.of(), List.of());
  }
}
