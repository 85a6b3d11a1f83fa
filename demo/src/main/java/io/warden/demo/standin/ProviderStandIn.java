package io.warden.demo.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A model provider stand-in for tests, speaking the real wire formats: OpenAI Chat Completions
 * ({@code POST /v1/chat/completions}, base URL {@code http://host:port/v1}) and Anthropic Messages
 * ({@code POST /v1/messages}, base URL {@code http://host:port}), whole and as SSE streams with
 * their real event sequences, usage with cached and reasoning tokens, error shapes and 429s.
 * Answers are deterministic: {@code "Hello from <model>."}. Used by the gateway tests, by packaging's
 * tests of real instrumentation libraries and by {@code warden demo} as the model provider.
 */
public final class ProviderStandIn implements AutoCloseable {
  public static final ObjectMapper JSON = new ObjectMapper();
  public static final long PROMPT_TOKENS = 12;
  public static final long CACHED_TOKENS = 4;
  public static final long COMPLETION_TOKENS = 5;
  public static final long REASONING_TOKENS = 2;

  /** A request as the stand-in received it. */
  public record Received(String path, Map<String, String> headers, JsonNode body) {}

  public final List<Received> received = new CopyOnWriteArrayList<>();
  /** When false, requests are not kept in {@link #received} (benchmarks: a long run would hold them all). */
  public volatile boolean keepReceived = true;
  /** When set, the model reported in answers instead of the requested one (drift). */
  public volatile String reportModel;
  public volatile String fingerprint = "fp_standin_1";
  /** When set, answer 429 with this Retry-After (seconds). */
  public volatile Integer rateLimitRetryAfter;
  /** When set, Chat Completions streams stop after their first content chunk until it completes. */
  public volatile CompletableFuture<Void> holdAfterFirstChunk;
  /**
   * Anthropic prompt-cache writes to report, {5-minute, 1-hour} tokens (default none): usage then
   * carries {@code cache_creation_input_tokens} and its {@code cache_creation} split.
   */
  public volatile long[] anthropicCacheWrites = {0, 0};
  /** When true, streams stop after the first content event, without their final events. */
  public volatile boolean cutStreams;
  /** When set, whole (non-streaming) Chat Completions answers wait until it completes. */
  public volatile CompletableFuture<Void> holdWhole;
  /**
   * How a whole Chat Completions or Messages answer looks, from the requested model and the request:
   * {@code answer} (the default), {@code refusal}, {@code empty}, {@code length} or {@code tool_call}.
   */
  public volatile java.util.function.BiFunction<String, JsonNode, String> behaviour = (model, body) -> "answer";
  /** When true, each whole Chat Completions answer has an id of its own (chatcmpl-standin-N), as a provider's has. */
  public volatile boolean uniqueResponseIds;
  private final java.util.concurrent.atomic.AtomicLong responses = new java.util.concurrent.atomic.AtomicLong();
  /** The text of a whole answer, from the requested model and the request; defaults to {@link #answer(String)}. */
  public volatile java.util.function.BiFunction<String, JsonNode, String> answerText = (model, body) -> answer(model);
  /** When set, {@link #holdWhole} holds only whole answers of this requested model. */
  public volatile String holdOnlyModel;
  /**
   * Chat Completions streams paced like a model generating, for benchmarks: this many content chunks
   * (0, the default: the three of "Hello from <model>."), each {@link #streamChunkDelayMs} after the
   * one before (0, the default: all at once).
   */
  public volatile int streamChunks;
  public volatile long streamChunkDelayMs;

  private final Vertx vertx;
  private HttpServer server;

  public ProviderStandIn(Vertx vertx) {
    this.vertx = vertx;
  }

  public ProviderStandIn start() throws Exception {
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create());
    router.post("/v1/chat/completions").handler(this::openAi);
    router.post("/v1/responses").handler(this::openAiResponses);
    router.post("/v1/messages").handler(this::anthropic);
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return this;
  }

  public int port() {
    return server.actualPort();
  }

  public String openAiBaseUrl() {
    return "http://127.0.0.1:" + port() + "/v1";
  }

  public String anthropicBaseUrl() {
    return "http://127.0.0.1:" + port();
  }

  public Received last() {
    return received.getLast();
  }

  public static String answer(String model) {
    return "Hello from " + model + ".";
  }

  private JsonNode record(RoutingContext ctx) throws Exception {
    JsonNode body = JSON.readTree(ctx.body().asString());
    Map<String, String> headers = new java.util.TreeMap<>();
    ctx.request().headers().forEach(h -> headers.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
    if (keepReceived) {
      received.add(new Received(ctx.request().path(), headers, body));
    }
    return body;
  }

  // ---------------------------------------------------------------- OpenAI

  private void openAi(RoutingContext ctx) {
    JsonNode body;
    try {
      body = record(ctx);
    } catch (Exception e) {
      ctx.response().setStatusCode(400).putHeader("content-type", "application/json")
          .end("{\"error\":{\"message\":\"We could not parse the JSON body of your request.\",\"type\":"
              + "\"invalid_request_error\",\"param\":null,\"code\":null}}");
      return;
    }
    if (rateLimitRetryAfter != null) {
      ctx.response().setStatusCode(429).putHeader("content-type", "application/json")
          .putHeader("retry-after", rateLimitRetryAfter.toString())
          .end("{\"error\":{\"message\":\"Rate limit reached for requests\",\"type\":\"requests\",\"param\":null,"
              + "\"code\":\"rate_limit_exceeded\"}}");
      return;
    }
    String model = reportModel != null ? reportModel : body.path("model").asText();
    String text = answerText.apply(body.path("model").asText(), body);
    if (!body.path("stream").asBoolean(false)) {
      ObjectNode out = JSON.createObjectNode();
      out.put("id", uniqueResponseIds ? "chatcmpl-standin-" + responses.incrementAndGet() : "chatcmpl-standin")
          .put("object", "chat.completion").put("created", 1_764_460_800L)
          .put("model", model).put("system_fingerprint", fingerprint);
      ObjectNode choice = out.putArray("choices").addObject();
      choice.put("index", 0);
      ObjectNode message = choice.putObject("message").put("role", "assistant").put("content", text).putNull("refusal");
      choice.putNull("logprobs");
      choice.put("finish_reason", "stop");
      switch (behaviour.apply(body.path("model").asText(), body)) {
        case "refusal" -> message.putNull("content").put("refusal", "I can't help with that.");
        case "empty" -> message.put("content", "");
        case "length" -> {
          message.put("content", "Hello");
          choice.put("finish_reason", "length");
        }
        case "tool_call" -> {
          message.putNull("content");
          ObjectNode call = message.putArray("tool_calls").addObject().put("id", "call_standin").put("type", "function");
          call.putObject("function").put("name", "lookup").put("arguments", "{}");
          choice.put("finish_reason", "tool_calls");
        }
        default -> { }
      }
      out.set("usage", openAiUsage());
      CompletableFuture<Void> hold = holdWhole;
      if (hold == null || (holdOnlyModel != null && !holdOnlyModel.equals(body.path("model").asText()))) {
        ctx.response().putHeader("content-type", "application/json").end(out.toString());
      } else {
        io.vertx.core.Context context = vertx.getOrCreateContext();
        hold.whenComplete((v, e) -> context.runOnContext(x ->
            ctx.response().putHeader("content-type", "application/json").end(out.toString())));
      }
      return;
    }
    boolean usage = body.path("stream_options").path("include_usage").asBoolean(false);
    HttpServerResponse r = ctx.response().setChunked(true).putHeader("content-type", "text/event-stream");
    r.write(sse(null, openAiChunk(model, usage, JSON.createObjectNode().put("role", "assistant").put("content", ""), null)));
    int chunks = streamChunks;
    String[] parts = chunks > 0
        ? java.util.stream.IntStream.range(0, chunks).mapToObj(i -> "token" + i + " ").toArray(String[]::new)
        : new String[] {"Hello ", "from ", body.path("model").asText() + "."};
    CompletableFuture<Void> hold = holdAfterFirstChunk;
    if (hold != null) {
      r.write(sse(null, openAiChunk(model, usage, JSON.createObjectNode().put("content", parts[0]), null)));
      io.vertx.core.Context context = vertx.getOrCreateContext();
      hold.whenComplete((v, e) -> context.runOnContext(x -> finishOpenAiStream(r, model, usage, parts, 1, System.nanoTime())));
      return;
    }
    finishOpenAiStream(r, model, usage, parts, 0, System.nanoTime());
  }

  /**
   * Writes {@code parts} from {@code from} on; paced, chunk i is due {@code i} delays after {@code
   * startNanos} (a timer that fired late does not push the later chunks back: a model generates at
   * its own rate, whatever this machine's load).
   */
  private void finishOpenAiStream(HttpServerResponse r, String model, boolean usage, String[] parts, int from,
      long startNanos) {
    if (r.closed()) {
      return; // the client went away while the stream was paced
    }
    long pace = streamChunkDelayMs;
    for (int i = from; i < parts.length; i++) {
      r.write(sse(null, openAiChunk(model, usage, JSON.createObjectNode().put("content", parts[i]), null)));
      if (cutStreams) {
        r.reset(); // the connection drops mid-answer
        return;
      }
      if (pace > 0 && i + 1 < parts.length) {
        int next = i + 1;
        long dueInMs = (startNanos + next * pace * 1_000_000L - System.nanoTime()) / 1_000_000L;
        vertx.setTimer(Math.max(1, dueInMs), t -> finishOpenAiStream(r, model, usage, parts, next, startNanos));
        return;
      }
    }
    r.write(sse(null, openAiChunk(model, usage, JSON.createObjectNode(), "stop")));
    if (usage) {
      ObjectNode last = JSON.createObjectNode();
      last.put("id", "chatcmpl-standin").put("object", "chat.completion.chunk").put("created", 1_764_460_800L)
          .put("model", model).put("system_fingerprint", fingerprint);
      last.putArray("choices");
      last.set("usage", openAiUsage());
      r.write(sse(null, last.toString()));
    }
    r.end("data: [DONE]\n\n");
  }

  private void anthropicUsage(ObjectNode usage) {
    long[] writes = anthropicCacheWrites;
    usage.put("cache_creation_input_tokens", writes[0] + writes[1]).put("cache_read_input_tokens", CACHED_TOKENS);
    if (writes[0] + writes[1] > 0) {
      usage.putObject("cache_creation").put("ephemeral_5m_input_tokens", writes[0])
          .put("ephemeral_1h_input_tokens", writes[1]);
    }
  }

  private String openAiChunk(String model, boolean usage, ObjectNode delta, String finish) {
    ObjectNode c = JSON.createObjectNode();
    c.put("id", "chatcmpl-standin").put("object", "chat.completion.chunk").put("created", 1_764_460_800L)
        .put("model", model).put("system_fingerprint", fingerprint);
    ObjectNode choice = c.putArray("choices").addObject();
    choice.put("index", 0);
    choice.set("delta", delta);
    choice.putNull("logprobs");
    if (finish == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finish);
    }
    if (usage) {
      c.putNull("usage");
    }
    return c.toString();
  }

  private static ObjectNode openAiUsage() {
    ObjectNode u = JSON.createObjectNode();
    u.put("prompt_tokens", PROMPT_TOKENS).put("completion_tokens", COMPLETION_TOKENS)
        .put("total_tokens", PROMPT_TOKENS + COMPLETION_TOKENS);
    u.putObject("prompt_tokens_details").put("cached_tokens", CACHED_TOKENS).put("audio_tokens", 0);
    u.putObject("completion_tokens_details").put("reasoning_tokens", REASONING_TOKENS).put("audio_tokens", 0)
        .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
    return u;
  }

  // ---------------------------------------------------------------- OpenAI Responses

  private void openAiResponses(RoutingContext ctx) {
    JsonNode body;
    try {
      body = record(ctx);
    } catch (Exception e) {
      ctx.response().setStatusCode(400).end();
      return;
    }
    String model = reportModel != null ? reportModel : body.path("model").asText();
    String text = answer(body.path("model").asText());
    if (!body.path("stream").asBoolean(false)) {
      ctx.response().putHeader("content-type", "application/json").end(response(model, "completed", text, true).toString());
      return;
    }
    HttpServerResponse r = ctx.response().setChunked(true).putHeader("content-type", "text/event-stream");
    int[] seq = {0};
    java.util.function.BiConsumer<String, ObjectNode> send = (type, e) -> {
      e.put("type", type).put("sequence_number", seq[0]++);
      r.write(sse(type, e.toString()));
    };
    send.accept("response.created", (ObjectNode) JSON.createObjectNode().set("response", response(model, "in_progress", null, false)));
    send.accept("response.in_progress", (ObjectNode) JSON.createObjectNode().set("response", response(model, "in_progress", null, false)));
    send.accept("response.reasoning_summary_text.delta", JSON.createObjectNode().put("item_id", "rs_standin")
        .put("output_index", 0).put("summary_index", 0).put("delta", "Greeting requested."));
    ObjectNode item = JSON.createObjectNode().put("id", "msg_standin").put("type", "message").put("status", "in_progress")
        .put("role", "assistant");
    item.putArray("content");
    send.accept("response.output_item.added", (ObjectNode) JSON.createObjectNode().put("output_index", 1).set("item", item));
    ObjectNode part = JSON.createObjectNode().put("type", "output_text").put("text", "");
    part.putArray("annotations");
    send.accept("response.content_part.added", (ObjectNode) JSON.createObjectNode().put("item_id", "msg_standin")
        .put("output_index", 1).put("content_index", 0).set("part", part));
    for (String p : new String[] {"Hello ", "from ", body.path("model").asText() + "."}) {
      ObjectNode d = JSON.createObjectNode().put("item_id", "msg_standin").put("output_index", 1).put("content_index", 0)
          .put("delta", p);
      d.putArray("logprobs");
      send.accept("response.output_text.delta", d);
      if (cutStreams) {
        r.reset();
        return;
      }
    }
    ObjectNode done = JSON.createObjectNode().put("item_id", "msg_standin").put("output_index", 1).put("content_index", 0)
        .put("text", text);
    done.putArray("logprobs");
    send.accept("response.output_text.done", done);
    send.accept("response.completed", (ObjectNode) JSON.createObjectNode().set("response", response(model, "completed", text, true)));
    r.end();
  }

  private ObjectNode response(String model, String status, String text, boolean usage) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", "resp_standin").put("object", "response").put("created_at", 1_764_460_800L).put("status", status)
        .putNull("error").putNull("incomplete_details").putNull("instructions").putNull("max_output_tokens")
        .put("model", model).put("parallel_tool_calls", true).putNull("previous_response_id")
        .put("store", true).put("temperature", 1.0).put("tool_choice", "auto").put("top_p", 1.0)
        .put("truncation", "disabled").putNull("user");
    o.putObject("metadata");
    o.putArray("tools");
    o.putObject("text").putObject("format").put("type", "text");
    o.putObject("reasoning").putNull("effort").putNull("summary");
    var output = o.putArray("output");
    if (text != null) {
      ObjectNode rs = output.addObject().put("id", "rs_standin").put("type", "reasoning");
      rs.putArray("summary").addObject().put("type", "summary_text").put("text", "Greeting requested.");
      ObjectNode msg = output.addObject().put("id", "msg_standin").put("type", "message").put("status", "completed")
          .put("role", "assistant");
      ObjectNode out = msg.putArray("content").addObject().put("type", "output_text").put("text", text);
      out.putArray("annotations");
    }
    if (usage) {
      ObjectNode u = o.putObject("usage");
      u.put("input_tokens", PROMPT_TOKENS).put("output_tokens", COMPLETION_TOKENS)
          .put("total_tokens", PROMPT_TOKENS + COMPLETION_TOKENS);
      u.putObject("input_tokens_details").put("cached_tokens", CACHED_TOKENS);
      u.putObject("output_tokens_details").put("reasoning_tokens", REASONING_TOKENS);
    } else {
      o.putNull("usage");
    }
    return o;
  }

  // ---------------------------------------------------------------- Anthropic

  private void anthropic(RoutingContext ctx) {
    JsonNode body;
    try {
      body = record(ctx);
    } catch (Exception e) {
      ctx.response().setStatusCode(400).putHeader("content-type", "application/json")
          .end("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"invalid JSON\"}}");
      return;
    }
    if (rateLimitRetryAfter != null) {
      ctx.response().setStatusCode(429).putHeader("content-type", "application/json")
          .putHeader("retry-after", rateLimitRetryAfter.toString())
          .end("{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of request tokens"
              + " has exceeded your per-minute rate limit\"}}");
      return;
    }
    String model = reportModel != null ? reportModel : body.path("model").asText();
    String text = answerText.apply(body.path("model").asText(), body);
    boolean thinking = "enabled".equals(body.path("thinking").path("type").asText());
    // input_tokens excludes cache reads, as Anthropic reports it.
    long input = PROMPT_TOKENS - CACHED_TOKENS;
    if (!body.path("stream").asBoolean(false)) {
      ObjectNode out = JSON.createObjectNode();
      out.put("id", "msg_standin").put("type", "message").put("role", "assistant").put("model", model);
      var content = out.putArray("content");
      if (thinking) {
        content.addObject().put("type", "thinking").put("thinking", "The user greets me; greet back.")
            .put("signature", "c2lnbmF0dXJl");
      }
      out.put("stop_reason", "end_turn").putNull("stop_sequence");
      switch (behaviour.apply(body.path("model").asText(), body)) {
        case "refusal" -> out.put("stop_reason", "refusal");
        case "empty" -> content.addObject().put("type", "text").put("text", "");
        case "length" -> {
          content.addObject().put("type", "text").put("text", "Hello");
          out.put("stop_reason", "max_tokens");
        }
        case "tool_call" -> {
          content.addObject().put("type", "tool_use").put("id", "toolu_standin").put("name", "lookup")
              .putObject("input");
          out.put("stop_reason", "tool_use");
        }
        default -> content.addObject().put("type", "text").put("text", text);
      }
      anthropicUsage(out.putObject("usage").put("input_tokens", input).put("output_tokens", COMPLETION_TOKENS));
      ctx.response().putHeader("content-type", "application/json").end(out.toString());
      return;
    }
    HttpServerResponse r = ctx.response().setChunked(true).putHeader("content-type", "text/event-stream");
    ObjectNode start = JSON.createObjectNode().put("type", "message_start");
    ObjectNode msg = start.putObject("message");
    msg.put("id", "msg_standin").put("type", "message").put("role", "assistant").put("model", model);
    msg.putArray("content");
    msg.putNull("stop_reason").putNull("stop_sequence");
    anthropicUsage(msg.putObject("usage").put("input_tokens", input).put("output_tokens", 1));
    r.write(sse("message_start", start.toString()));
    int index = 0;
    if (thinking) {
      r.write(sse("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
          + "{\"type\":\"thinking\",\"thinking\":\"\"}}"));
      r.write(sse("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
          + "{\"type\":\"thinking_delta\",\"thinking\":\"The user greets me; greet back.\"}}"));
      r.write(sse("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
          + "{\"type\":\"signature_delta\",\"signature\":\"c2lnbmF0dXJl\"}}"));
      r.write(sse("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
      index = 1;
    }
    r.write(sse("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index
        + ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
    r.write(sse("ping", "{\"type\": \"ping\"}"));
    String[] parts = {"Hello ", "from ", body.path("model").asText() + "."};
    for (String p : parts) {
      r.write(sse("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
          + ",\"delta\":{\"type\":\"text_delta\",\"text\":" + JSON.valueToTree(p) + "}}"));
      if (cutStreams) {
        r.reset();
        return;
      }
    }
    r.write(sse("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}"));
    r.write(sse("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + COMPLETION_TOKENS + "}}"));
    r.end(sse("message_stop", "{\"type\":\"message_stop\"}"));
  }

  private static String sse(String event, String data) {
    return (event == null ? "" : "event: " + event + "\n") + "data: " + data + "\n\n";
  }

  @Override
  public void close() throws Exception {
    if (server != null) {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
