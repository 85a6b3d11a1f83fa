package io.warden.core.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.warden.core.audit.AuditLog;
import io.warden.core.store.StateStore;
import io.warden.testing.MutableClock;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The approvals webhook against a real HTTP receiver started by the test. */
class ApprovalWebhookTest {
  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
  private final List<String> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger failFirst = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);
  private HttpServer receiver;
  private StateStore store;
  private AuditLog audit;
  private ApprovalService approvals;
  private ApprovalWebhook webhook;

  @BeforeEach
  void open() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hooks/approvals", ex -> {
      try {
        release.await(30, TimeUnit.SECONDS); // the receiver is slow until the test lets it answer
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      received.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      int status = failFirst.getAndDecrement() > 0 ? 503 : 200;
      ex.sendResponseHeaders(status, -1);
      ex.close();
    });
    receiver.start();
    store = StateStore.open(dir.resolve("state.mv.db"));
    audit = AuditLog.open(dir.resolve("audit.jsonl"), clock);
    approvals = ApprovalService.create(store, audit, clock, Duration.ofMinutes(10));
    webhook = ApprovalWebhook.create(
        URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks/approvals"), 10, 4,
        Duration.ofMillis(20));
    approvals.addHoldListener(webhook);
  }

  @AfterEach
  void close() {
    release.countDown();
    webhook.close();
    approvals.close();
    audit.close();
    store.close();
    receiver.stop(0);
  }

  private Approval holdPayment() {
    return approvals.hold(new ApprovalRequest("payments", "mcp://gateway/pay-invoice",
        "{\"amount_usd\":5000,\"iban\":\"DE89370400440532013000\"}", new BigDecimal("5000"),
        "0af7651916cd43dd8448eb211c80319c", "pay supplier", List.of("value over 1000"), ""));
  }

  @Test
  void newPending_failsFirstThenDelivered_holdNeverWaitsForTheReceiver() throws Exception {
    failFirst.set(2);

    // The receiver does not answer yet: hold returns anyway (the call path never waits for it).
    Approval held = holdPayment();
    assertThat(approvals.get(held.id())).hasValueSatisfying(a -> assertThat(a.isPending()).isTrue());
    assertThat(received).isEmpty();

    release.countDown();
    await().atMost(Duration.ofSeconds(20)).until(() -> webhook.delivered() == 1);
    assertThat(received).hasSize(3); // 503, 503, 200: retried with back-off
    assertThat(webhook.failed()).isZero();

    String text = new ObjectMapper().readTree(received.get(2)).path("text").asText();
    assertThat(text).contains("`payments`", "`mcp://gateway/pay-invoice`", "5000 USD", held.id(),
        "warden approvals approve " + held.id(), "POST /api/v1/approvals/" + held.id() + "/approve");
    assertThat(received.get(2)).doesNotContain("DE89370400440532013000"); // arguments never leave
  }

  @Test
  void receiverAlwaysFailing_givesUpAfterBoundedAttempts() {
    failFirst.set(100);
    release.countDown();
    holdPayment();

    await().atMost(Duration.ofSeconds(20)).until(() -> webhook.failed() == 1);
    assertThat(received).hasSize(4);
    assertThat(webhook.delivered()).isZero();
  }

  @Test
  void fullQueue_dropsInsteadOfBlocking() {
    // The worker holds the first message at the slow receiver; ten more fill the queue.
    for (int i = 0; i < 12; i++) {
      holdPayment();
    }
    assertThat(webhook.dropped()).isGreaterThanOrEqualTo(1);
    assertThat(approvals.list(Approval.Status.PENDING, null)).hasSize(12);
  }
}
