package io.warden.bench.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.executors.gateway.ModelSavings;
import io.warden.executors.gateway.StandInGateway;
import io.warden.executors.gateway.internal.ShadowComparison;
import io.warden.executors.gateway.internal.WireFormat;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What {@code spec.routing} saves on a replayed mixed workload, and at what agreement. The workload
 * ({@code workload.jsonl} beside this class, 1,200 requests shipped in the repository) mixes
 * repeated FAQ questions (600 requests over 150 questions), easy extraction requests (300), hard
 * reconciliation requests (200), sensitive requests (50) and subtle judgement calls (50). The
 * stand-in plays the models: the small model ({@code gpt-4.1-nano}) answers FAQ, easy and subtle
 * requests (the subtle ones differently from the pinned model, with no signal the gateway can
 * see), cuts hard ones at the token limit and refuses sensitive ones; the pinned model
 * ({@code gpt-4o}) answers everything.
 *
 * <p>Each request goes once to an agent calling the pinned model straight and once to an agent with
 * {@code routing: {cache: true, small_model: gpt-4.1-nano, escalate_on: [refusal, empty, length,
 * tool_call]}}; the two answers are compared with the shadow comparison
 * ({@link ShadowComparison}). Prints the cost of both (the gateway's settled costs at the seed
 * prices), the saving, and the agreement, per difficulty and overall.
 */
public final class RoutingSavingsBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PINNED = "gpt-4o-2024-08-06";
  private static final String SMALL = "gpt-4.1-nano-2025-04-14";

  private RoutingSavingsBench() {}

  private record Request(int id, String difficulty, String prompt) {}

  public static void main(String[] args) throws Exception {
    List<Request> workload = workload();
    Map<String, String> difficulty = new HashMap<>();
    workload.forEach(r -> difficulty.put(r.prompt(), r.difficulty()));
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (StandInGateway g = StandInGateway.start(Files.createTempDirectory("warden-routing-bench-"))) {
      String straight = g.addAgent("straight-bot", agent("straight-bot", ""));
      String routed = g.addAgent("routed-bot", agent("routed-bot", """
            routing:
              cache: true
              small_model: {provider: openai, name: gpt-4.1-nano, pinned_revision: "2025-04-14"}
              escalate_on: [refusal, empty, length, tool_call]
          """));
      g.setAnswerText((model, body) -> {
        String prompt = body.path("messages").path(0).path("content").asText();
        String kind = difficulty.getOrDefault(prompt, "easy");
        if (model.equals(SMALL) && kind.equals("subtle")) {
          return "Pay the older one first.";
        }
        return "Answer: " + prompt.toLowerCase(Locale.ROOT);
      });
      g.setBehaviour((model, body) -> {
        if (!model.equals(SMALL)) {
          return "answer";
        }
        return switch (difficulty.getOrDefault(body.path("messages").path(0).path("content").asText(), "easy")) {
          case "hard" -> "length";
          case "sensitive" -> "refusal";
          default -> "answer";
        };
      });

      Map<String, int[]> byKind = new TreeMap<>(); // difficulty -> {requests, agreements}
      int agreements = 0;
      List<String> examples = new ArrayList<>();
      for (Request r : workload) {
        JsonNode s = call(http, g, straight, r.prompt());
        JsonNode x = call(http, g, routed, r.prompt());
        List<String> differences = ShadowComparison.compare(WireFormat.OPENAI, s, x);
        int[] k = byKind.computeIfAbsent(r.difficulty(), d -> new int[2]);
        k[0]++;
        if (differences.isEmpty()) {
          agreements++;
          k[1]++;
        } else if (examples.size() < 3) {
          examples.add("#" + r.id() + " " + r.difficulty() + ": " + differences);
        }
      }
      ModelSavings s = waitForSettled(g, "straight-bot", workload.size());
      ModelSavings x = waitForSettled(g, "routed-bot", workload.size());
      BigDecimal saving = BigDecimal.ONE.subtract(x.actualUsd().divide(s.actualUsd(), 6, RoundingMode.HALF_UP))
          .multiply(BigDecimal.valueOf(100)).setScale(1, RoundingMode.HALF_UP);
      System.out.printf(Locale.ROOT, "replayed workload: %d requests (%s)%n", workload.size(), counts(byKind));
      System.out.printf(Locale.ROOT, "  straight to the pinned model: %s USD (%d calls)%n",
          s.actualUsd().stripTrailingZeros().toPlainString(), s.calls());
      System.out.printf(Locale.ROOT, "  routed + cached:              %s USD (%d cache hits, %d small-model answers,"
          + " %d escalations)%n", x.actualUsd().stripTrailingZeros().toPlainString(), x.cacheHits() + x.coalesced(),
          x.smallModelAnswers(), x.escalations());
      System.out.printf(Locale.ROOT, "  gateway's own estimate (unrouted_usd): %s USD, saved %s USD%n",
          x.unroutedUsd().stripTrailingZeros().toPlainString(), x.savedUsd().stripTrailingZeros().toPlainString());
      System.out.printf(Locale.ROOT, "  saving: %s%%   outcome agreement (shadow comparison): %.1f%%%n", saving,
          100.0 * agreements / workload.size());
      byKind.forEach((kind, k) -> System.out.printf(Locale.ROOT, "    %-10s %4d requests, %5.1f%% agree%n", kind, k[0],
          100.0 * k[1] / k[0]));
      examples.forEach(e -> System.out.println("  disagreement " + e));
    }
  }

  private static String counts(Map<String, int[]> byKind) {
    StringBuilder b = new StringBuilder();
    byKind.forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(v[0]).append(' ').append(k));
    return b.toString();
  }

  private static String agent(String name, String routing) {
    return """
        apiVersion: agent.os/v1
        kind: Agent
        metadata: {name: %s, owner: bench}
        spec:
          model: {provider: openai, name: gpt-4o, pinned_revision: "2024-08-06"}
          budgets: {calls_per_hour: 100000000, usd_per_day: 1000000}
        %s""".formatted(name, routing);
  }

  private static JsonNode call(HttpClient http, StandInGateway g, String key, String prompt) throws Exception {
    String body = JSON.writeValueAsString(Map.of("model", "gpt-4o", "max_tokens", 256,
        "messages", List.of(Map.of("role", "user", "content", prompt))));
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(g.gatewayOpenAiBaseUrl() + "/chat/completions"))
        .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
        .header("authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("gateway answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }

  /** The agent's savings once every call is settled (settlement runs after the answer is sent). */
  private static ModelSavings waitForSettled(StandInGateway g, String agent, int calls) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      ModelSavings s = g.gateway().savings().get(agent);
      if (s != null && s.calls() >= calls) {
        return s;
      }
      Thread.sleep(50); // a benchmark waiting for its last settlements, not a test
    }
    throw new IllegalStateException(agent + ": not every call was settled in 30 s");
  }

  private static List<Request> workload() throws Exception {
    List<Request> out = new ArrayList<>();
    try (InputStream in = Objects.requireNonNull(RoutingSavingsBench.class.getResourceAsStream("workload.jsonl"),
        "workload.jsonl");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        JsonNode n = JSON.readTree(line);
        out.add(new Request(n.path("id").asInt(), n.path("difficulty").asText(), n.path("prompt").asText()));
      }
    }
    return out;
  }
}
