package io.warden.executors.gateway;

import static io.warden.executors.gateway.GatewayFixture.OPENAI_AGENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.warden.core.trace.SpanRecord;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a client receives of a provider's stream, byte for byte, however the provider's bytes fall
 * into writes: events that need nothing changed go out as they came (often the provider's read
 * itself), CRLF events without their carriage returns, blank events dropped, the usage chunk the
 * client did not ask for kept back — and the stream is metered the same either way.
 */
class StreamRelayGatewayTest {
  private static final String CHUNK = "data: {\"id\":\"c1\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,"
      + "\"delta\":{\"content\":\"%s\"},\"finish_reason\":null}],\"usage\":null}";
  private static final String STREAM = CHUNK.formatted("Hel") + "\n\n" + CHUNK.formatted("lo") + "\n\n"
      + CHUNK.formatted(" wörld") + "\r\n\r\n: keep-alive\n\n\n\n"
      + "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
      + "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3}}\n\n"
      + "data: [DONE]\n\n";
  private static final String RELAYED = CHUNK.formatted("Hel") + "\n\n" + CHUNK.formatted("lo") + "\n\n"
      + CHUNK.formatted(" wörld") + "\n\n: keep-alive\n\n"
      + "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
      + "data: [DONE]\n\n";

  @TempDir Path dir;
  private Vertx vertx;
  private HttpServer provider;
  private GatewayFixture f;
  /** Where the provider cuts its stream into writes (byte offsets), and how long it waits between them. */
  private volatile int[] cuts = {};
  private volatile long gapMillis = 5;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    provider = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      HttpServerResponse r = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
      write(r, STREAM.getBytes(StandardCharsets.UTF_8), cuts, 0, 0);
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    f = new GatewayFixture(dir, Duration.ZERO, "http://127.0.0.1:" + provider.actualPort() + "/v1");
  }

  /** Writes the stream's pieces a few milliseconds apart, so that they tend to arrive as reads of their own. */
  private void write(HttpServerResponse r, byte[] stream, int[] cuts, int piece, int from) {
    int to = piece < cuts.length ? cuts[piece] : stream.length;
    r.write(Buffer.buffer(Arrays.copyOfRange(stream, from, to)));
    if (to == stream.length) {
      r.end();
    } else {
      vertx.setTimer(gapMillis, id -> write(r, stream, cuts, piece + 1, to));
    }
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
    provider.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void theClientGetsTheSameBytes_howeverTheProvidersWritesFall() throws Exception {
    byte[] stream = STREAM.getBytes(StandardCharsets.UTF_8);
    int wo = indexOf(stream, "w\u00f6".getBytes(StandardCharsets.UTF_8)) + 2; // inside "ö"
    int cr = indexOf(stream, "\r\n\r\n".getBytes(StandardCharsets.UTF_8));
    int usage = indexOf(stream, "data: {\"id\":\"c1\",\"choices\":[]".getBytes(StandardCharsets.UTF_8));
    int second = indexOf(stream, "\n\n".getBytes(StandardCharsets.UTF_8)) + 2;
    int third = second + indexOf(Arrays.copyOfRange(stream, second, stream.length), "\n\n".getBytes(StandardCharsets.UTF_8)) + 2;
    int stop = indexOf(stream, "data: {\"id\":\"c1\",\"choices\":[{".getBytes(StandardCharsets.UTF_8));
    List<int[]> ways = List.of(
        new int[] {}, // one write
        new int[] {second, third, cr + 4, stop, usage, stream.length - 14}, // event by event
        new int[] {third + 3, cr + 4, usage + 1}, // whole events and the start of the next
        new int[] {5, wo, cr + 1, cr + 3, usage + 1}); // events cut anywhere, a character cut in two
    int n = 0;
    for (int[] way : ways) {
      cuts = way;
      HttpResponse<String> r = Raw.post(f.openAiBaseUrl() + "/chat/completions", f.openAiCredential,
          Raw.chatBody("gpt-4o", true));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).as("writes cut at %s", Arrays.toString(way)).isEqualTo(RELAYED);
      int seen = ++n;
      await().atMost(Duration.ofSeconds(10)).until(() -> f.spansOf(OPENAI_AGENT).size() >= seen);
      SpanRecord span = f.spansOf(OPENAI_AGENT).get(seen - 1);
      assertThat(span.text()).endsWith("Hello wörld");
      assertThat(List.of(span.inputTokens(), span.outputTokens(), span.responseModel()))
          .isEqualTo(List.of(7L, 3L, "gpt-4o-2024-08-06"));
    }
  }

  @Test
  void theGatewaysOwnTimeIsMeasured_notTheProvidersPauses() throws Exception {
    cuts = new int[] {10}; // the first event arrives in two reads, 300 ms apart
    gapMillis = 300;
    HttpResponse<String> r = Raw.post(f.openAiBaseUrl() + "/chat/completions", f.openAiCredential,
        Raw.chatBody("gpt-4o", true));
    assertThat(r.body()).isEqualTo(RELAYED);
    Timer preflight = f.metrics.get("warden_model_gateway_preflight").timer();
    Timer hold = f.metrics.get("warden_model_gateway_chunk_hold").timer();
    assertThat(preflight.count()).isEqualTo(1);
    // One write, once the second read completed the events: the 300 ms the incomplete first event
    // waited for the rest of its bytes were spent upstream, not in the gateway.
    assertThat(hold.count()).isEqualTo(1);
    assertThat(hold.max(TimeUnit.MILLISECONDS)).isLessThan(250);
    assertThat(preflight.max(TimeUnit.MILLISECONDS)).isPositive().isLessThan(10_000);
  }

  private static int indexOf(byte[] b, byte[] what) {
    for (int i = 0; i + what.length <= b.length; i++) {
      if (Arrays.equals(b, i, i + what.length, what, 0, what.length)) {
        return i;
      }
    }
    throw new AssertionError("not found");
  }
}
