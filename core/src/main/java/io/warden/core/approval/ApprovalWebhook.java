package io.warden.core.approval;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a chat channel of every new pending approval: POSTs Slack-compatible JSON ({@code {"text":
 * ...}}) to {@code approvals.webhook_url}. Register it with {@link
 * ApprovalService#addHoldListener}.
 *
 * <p>Never in the call path: {@link #accept} only offers the message to a bounded queue (a full
 * queue drops it, logged and counted) and one worker thread delivers. A failed delivery (an
 * exception or a non-2xx answer) is retried with exponential back-off, at most {@code
 * maxAttempts} times in all. The message names the agent, tool, action value and approval id and
 * how to decide; never the call's arguments (they may carry personal data), and the URL is never
 * logged (a Slack webhook URL is itself a secret).
 */
public final class ApprovalWebhook implements Consumer<Approval>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApprovalWebhook.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Deliveries waiting at most; more are dropped. */
  public static final int DEFAULT_QUEUE_CAPACITY = 1000;
  /** Attempts per message, the first included. */
  public static final int DEFAULT_MAX_ATTEMPTS = 5;
  /** Wait before the first retry; doubled for each next one. */
  public static final Duration DEFAULT_FIRST_BACKOFF = Duration.ofSeconds(1);

  private final URI url;
  private final int maxAttempts;
  private final Duration firstBackoff;
  private final BlockingQueue<String> queue;
  private final HttpClient http;
  private final Thread worker;
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean closed;

  private ApprovalWebhook(URI url, int queueCapacity, int maxAttempts, Duration firstBackoff) {
    this.url = url;
    this.maxAttempts = maxAttempts;
    this.firstBackoff = firstBackoff;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    this.worker = new Thread(this::run, "ApprovalWebhook_Worker");
    worker.setDaemon(true);
    worker.start();
  }

  /** A webhook with the default queue, attempts and back-off. */
  public static ApprovalWebhook create(URI url) {
    return create(url, DEFAULT_QUEUE_CAPACITY, DEFAULT_MAX_ATTEMPTS, DEFAULT_FIRST_BACKOFF);
  }

  /** A webhook posting to {@code url} (http or https). */
  public static ApprovalWebhook create(URI url, int queueCapacity, int maxAttempts, Duration firstBackoff) {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(firstBackoff, "firstBackoff");
    String scheme = url.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new IllegalArgumentException("approvals.webhook_url must be an http(s) URL");
    }
    if (queueCapacity < 1 || maxAttempts < 1 || firstBackoff.isNegative()) {
      throw new IllegalArgumentException("queue capacity and attempts must be positive, back-off not negative");
    }
    return new ApprovalWebhook(url, queueCapacity, maxAttempts, firstBackoff);
  }

  /** Queues the message for a new pending approval and returns at once. */
  @Override
  public void accept(Approval approval) {
    String payload = payload(approval);
    if (closed || !queue.offer(payload)) {
      dropped.incrementAndGet();
      LOG.warn("approvals webhook: queue full or closed, message for approval {} dropped", approval.id());
    }
  }

  /** Messages delivered (a 2xx answer). */
  public long delivered() {
    return delivered.get();
  }

  /** Messages given up on after the last attempt. */
  public long failed() {
    return failed.get();
  }

  /** Messages dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** The Slack-compatible message for {@code a}: {@code {"text": ...}}. */
  static String payload(Approval a) {
    String value = a.actionValueUsd() == null ? "unknown (not in the arguments)"
        : a.actionValueUsd().toPlainString() + " USD";
    String text = "Approval needed: agent `" + a.agent() + "` wants to call `" + a.tool() + "`, action value "
        + value + ".\nApproval id: `" + a.id() + "` (expires " + a.expiresAt() + ").\nApprove: `warden approvals"
        + " approve " + a.id() + " --reason \"...\"` or `POST /api/v1/approvals/" + a.id() + "/approve` {\"reason\":"
        + " \"...\"}; deny with `warden approvals deny " + a.id() + "` or `POST /api/v1/approvals/" + a.id()
        + "/deny`.";
    try {
      return JSON.writeValueAsString(Map.of("text", text));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void run() {
    while (!closed) {
      String payload;
      try {
        payload = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      deliver(payload);
    }
  }

  private void deliver(String payload) {
    Duration backoff = firstBackoff;
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      String problem;
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(payload)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() / 100 == 2) {
          delivered.incrementAndGet();
          return;
        }
        problem = "HTTP " + r.statusCode();
      } catch (IOException e) {
        problem = e.getClass().getSimpleName();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (attempt == maxAttempts) {
        failed.incrementAndGet();
        LOG.warn("approvals webhook: delivery failed ({}) after {} attempts; giving up", problem, attempt);
        return;
      }
      LOG.info("approvals webhook: attempt {} failed ({}); retrying in {} ms", attempt, problem, backoff.toMillis());
      try {
        Thread.sleep(backoff); // back-off between attempts on the webhook's own thread, never a caller's
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      backoff = backoff.multipliedBy(2);
    }
  }

  /** Stops the worker; messages still queued are not sent. */
  @Override
  public void close() {
    closed = true;
    worker.interrupt();
    http.close();
  }
}
