package io.warden.executors.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A quick latency measurement, not a test (its name keeps it out of the default run): the same
 * non-streaming Chat Completions request straight to the stand-in and through the gateway, one
 * at a time, in one run. Run with {@code -Dtest=GatewayLatencyMeasurement}; prints p50/p99.
 */
class GatewayLatencyMeasurement {
  private static final int WARMUP = 300;
  private static final int RUNS = 2000;

  @Test
  void addedLatency() throws Exception {
    Path dir = Files.createTempDirectory("gateway-latency");
    try (GatewayFixture f = new GatewayFixture(dir, java.time.Duration.ofMillis(200))) {
      f.putAgents("calls_per_hour: 100000", "calls_per_hour: 100000");
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      String body = Raw.chatBody("gpt-4o", false);
      HttpRequest direct = HttpRequest.newBuilder(URI.create(f.standIn.openAiBaseUrl() + "/chat/completions"))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(Raw.chatBody("gpt-4o-2024-08-06", false))).build();
      HttpRequest gateway = HttpRequest.newBuilder(URI.create(f.openAiBaseUrl() + "/chat/completions"))
          .header("content-type", "application/json").header("authorization", "Bearer " + f.openAiCredential)
          .POST(HttpRequest.BodyPublishers.ofString(body)).build();
      long[] d = measure(http, direct);
      long[] g = measure(http, gateway);
      System.out.printf("direct  p50 %.3f ms  p99 %.3f ms%n", d[RUNS / 2] / 1e6, d[RUNS * 99 / 100] / 1e6);
      System.out.printf("gateway p50 %.3f ms  p99 %.3f ms%n", g[RUNS / 2] / 1e6, g[RUNS * 99 / 100] / 1e6);
      System.out.printf("added   p50 %.3f ms  p99 %.3f ms%n", (g[RUNS / 2] - d[RUNS / 2]) / 1e6,
          (g[RUNS * 99 / 100] - d[RUNS * 99 / 100]) / 1e6);
    }
  }

  private static long[] measure(HttpClient http, HttpRequest req) throws Exception {
    for (int i = 0; i < WARMUP; i++) {
      check(http.send(req, HttpResponse.BodyHandlers.ofString()));
    }
    long[] out = new long[RUNS];
    for (int i = 0; i < RUNS; i++) {
      long t = System.nanoTime();
      check(http.send(req, HttpResponse.BodyHandlers.ofString()));
      out[i] = System.nanoTime() - t;
    }
    Arrays.sort(out);
    return out;
  }

  private static void check(HttpResponse<String> r) {
    if (r.statusCode() != 200) {
      throw new IllegalStateException(r.statusCode() + " " + r.body());
    }
  }
}
