package io.warden.tracestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.core.inventory.Inventory;
import io.warden.core.trace.SpanQuery;
import io.warden.core.trace.SpanRecord;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Spans made inside Warden (the model gateway's) go through the write-ahead log and are searchable. */
@Timeout(60)
class TraceStoreSpanSinkTest {
  @TempDir Path dir;

  @Test
  void spanSink_storesTheSpanAsGiven_andSearchFindsItsText() throws Exception {
    TraceStore store = TraceStore.builder(dir).setAuthenticator((b, source) -> new UserPrincipal("u", Role.AUTHOR, null))
        .setInventory(Inventory.create()).setHttpPort(0).setGrpcPort(0).build();
    try {
      store.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
      long now = System.currentTimeMillis() * 1_000_000L;
      SpanRecord span = new SpanRecord(trace, "00f067aa0ba902b7", "10f067aa0ba902b7", trace,
          "chat gpt-4o-2024-08-06", "warden-model-gateway", "support-bot", "chat", now, now + 5_000_000, "OK", "",
          "gpt-4o-2024-08-06", "gpt-4o-2024-08-06", 12, 5, 4, "", "", "", List.of("support-bot"),
          new BigDecimal("0.000075000"), "Say hello\nHello from the aardvark.", Map.of("warden.cost.source", "gateway"),
          List.of());

      store.spanSink().write(span).toCompletableFuture().get(10, TimeUnit.SECONDS);

      await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> store.trace(trace).size() == 1);
      SpanRecord stored = store.trace(trace).getFirst();
      assertThat(stored.parentSpanId()).isEqualTo("10f067aa0ba902b7");
      assertThat(stored.costUsd()).isEqualByComparingTo("0.000075");
      assertThat(stored.inputTokens()).isEqualTo(12);
      await().atMost(Duration.ofSeconds(10)).until(() -> !store.search(
          new SpanQuery("aardvark", "support-bot", null, null, null, null, null, null, null, null, 10)).hits().isEmpty());
    } finally {
      store.close();
    }
  }
}
