package io.warden.executors.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.core.executor.ExecutorException;
import io.warden.core.executor.Invocation;
import io.warden.core.executor.InvocationEvents;
import io.warden.core.executor.InvocationResult;
import io.warden.executors.gateway.internal.SseSplitter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One agent runtime that serves HTTP: how Warden configures it, probes its health and sends it a
 * request. Shared by the {@code http} executor (a runtime someone else runs) and the {@code process}
 * executor (a runtime Warden launched), so both speak to agents the same way.
 *
 * <p>Read from {@code spec.executor.settings} ({@link #fromSettings}):
 *
 * <ul>
 *   <li>{@code protocol}: {@code a2a} (default; A2A JSON-RPC 2.0) or {@code json} (plain JSON POST).
 *   <li>{@code a2a_version}: {@code 0.3} (default; methods {@code message/send}, {@code message/stream})
 *       or {@code 1.0} ({@code SendMessage}, {@code SendStreamingMessage}).
 *   <li>{@code invoke_path}: where requests go; default {@code /} for A2A, {@code /invoke} for JSON.
 *   <li>{@code health_path}: the health probe, default {@code /healthz}: 2xx is up; a JSON body's
 *       {@code revision} is the descriptor revision the runtime runs.
 *   <li>{@code configure_path}: where apply POSTs the configuration (URLs, token, revision), default
 *       {@code /warden/configure}; {@code none} to skip it.
 *   <li>{@code confirm_revision}: {@code true} (default): apply waits until the health probe reports the
 *       revision; {@code false}: a healthy runtime counts as running it (for runtimes that cannot say).
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class HttpAgentRuntime {

  /** Headers of an {@link Invocation#traceHeaders()} that are passed on; others are dropped. */
  public static final Set<String> TRACE_HEADERS = Set.of("traceparent", "tracestate", "baggage");
  /** The request header that carries the agent's scoped token for this invocation. */
  public static final String TOKEN_HEADER = "Warden-Agent-Token";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_MESSAGE_BODY = 300;

  /** How the runtime takes requests. */
  public enum Protocol {
    A2A,
    JSON
  }

  /** What the health probe said. */
  public record Health(boolean up, @Nullable String revision, String message) {}

  private final String agent;
  private final URI base;
  private final Protocol protocol;
  private final boolean a2aV1;
  private final String invokePath;
  private final String healthPath;
  private final @Nullable String configurePath;
  private final boolean confirmRevision;
  private final HttpClient client;

  private HttpAgentRuntime(String agent, URI base, Protocol protocol, boolean a2aV1, String invokePath,
      String healthPath, @Nullable String configurePath, boolean confirmRevision, HttpClient client) {
    this.agent = agent;
    this.base = base;
    this.protocol = protocol;
    this.a2aV1 = a2aV1;
    this.invokePath = invokePath;
    this.healthPath = healthPath;
    this.configurePath = configurePath;
    this.confirmRevision = confirmRevision;
    this.client = client;
  }

  /**
   * The runtime of {@code agent} at {@code base} as {@code settings} describe it; a bad setting is an
   * {@link ExecutorException} naming it.
   */
  public static HttpAgentRuntime fromSettings(String agent, URI base, Map<String, String> settings, HttpClient client)
      throws ExecutorException {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(client, "client");
    String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || base.getHost() == null) {
      throw invalid(agent, "spec.executor.endpoint '" + base + "' is not an http(s) URL: give e.g. http://127.0.0.1:9000");
    }
    String protocolName = settings.getOrDefault("protocol", "a2a").strip().toLowerCase(Locale.ROOT);
    Protocol protocol = switch (protocolName) {
      case "a2a" -> Protocol.A2A;
      case "json" -> Protocol.JSON;
      default -> throw invalid(agent, "spec.executor.settings.protocol '" + protocolName + "' is not known: use a2a or json");
    };
    String version = settings.getOrDefault("a2a_version", "0.3").strip();
    if (!version.equals("0.3") && !version.equals("1.0")) {
      throw invalid(agent, "spec.executor.settings.a2a_version '" + version + "' is not known: use 0.3 or 1.0");
    }
    String invokePath = path(agent, settings, "invoke_path", protocol == Protocol.A2A ? "/" : "/invoke");
    String healthPath = path(agent, settings, "health_path", "/healthz");
    String configure = settings.getOrDefault("configure_path", "/warden/configure").strip();
    String confirm = settings.getOrDefault("confirm_revision", "true").strip().toLowerCase(Locale.ROOT);
    if (!confirm.equals("true") && !confirm.equals("false")) {
      throw invalid(agent, "spec.executor.settings.confirm_revision '" + confirm + "' is not a boolean: use true or false");
    }
    return new HttpAgentRuntime(agent, base, protocol, version.equals("1.0"), invokePath, healthPath,
        configure.equals("none") ? null : path(agent, settings, "configure_path", "/warden/configure"),
        confirm.equals("true"), client);
  }

  /** A client for runtimes: HTTP/1.1 (agent servers rarely speak h2c), short connect timeout. */
  public static HttpClient newClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  public URI base() {
    return base;
  }

  /** Whether {@link #configure} calls the runtime (its {@code configure_path} is not {@code none}). */
  public boolean configures() {
    return configurePath != null;
  }

  /**
   * POSTs {@code configuration} (JSON) to the configure path; a no-op when it is {@code none}. The
   * configuration carries the agent's token: it is never logged.
   */
  public void configure(Map<String, Object> configuration, Duration timeout) throws ExecutorException {
    if (configurePath == null) {
      return;
    }
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(configuration);
    } catch (IOException e) {
      throw new ExecutorException("cannot encode the configuration of agent " + agent + ": " + e.getMessage(), false, e);
    }
    HttpRequest request = HttpRequest.newBuilder(base.resolve(configurePath)).timeout(timeout)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    HttpResponse<byte[]> response = send(request, timeout, "configure");
    if (response.statusCode() / 100 != 2) {
      throw new ExecutorException("agent " + agent + "'s runtime refused its configuration at " + request.uri() + ": "
          + response.statusCode() + " " + snippet(response.body())
          + (response.statusCode() == 404 ? " (a runtime without a configure endpoint: set"
              + " spec.executor.settings.configure_path: none)" : ""), false);
    }
  }

  /** Probes the health path; never throws. */
  public Health health(Duration timeout) {
    URI uri = base.resolve(healthPath);
    HttpResponse<byte[]> response;
    try {
      response = send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(), timeout, "health probe");
    } catch (ExecutorException e) {
      return new Health(false, null, e.getMessage());
    }
    if (response.statusCode() / 100 != 2) {
      return new Health(false, null, "health probe " + uri + " answered " + response.statusCode() + " "
          + snippet(response.body()));
    }
    String revision = null;
    try {
      JsonNode node = JSON.readTree(response.body());
      if (node != null && node.path("revision").isTextual()) {
        revision = node.path("revision").asText();
      }
    } catch (IOException e) {
      // a health body that is not JSON says nothing about the revision
    }
    return new Health(true, revision, "");
  }

  /**
   * Waits until the health probe reports {@code revision} (or, without revision confirmation, any
   * healthy answer), probing every 100 ms; {@code stillAlive} may cut the wait short with its reason.
   *
   * @param stillAlive null while the runtime can still come up, else why it cannot
   */
  public void awaitRevision(String revision, Duration timeout, Supplier<@Nullable String> stillAlive)
      throws ExecutorException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Health last;
    while (true) {
      String dead = stillAlive.get();
      if (dead != null) {
        throw new ExecutorException("agent " + agent + " did not come up at revision " + shortId(revision) + ": " + dead,
            false);
      }
      last = health(Duration.ofSeconds(2));
      if (last.up() && (!confirmRevision || revision.equals(last.revision()))) {
        return;
      }
      if (System.nanoTime() >= deadline) {
        break;
      }
      try {
        Thread.sleep(100); // polling a runtime that is starting; not a test wait
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ExecutorException("interrupted while waiting for agent " + agent, false, e);
      }
    }
    String why = !last.up() ? last.message()
        : "its health probe " + base.resolve(healthPath) + " reports revision "
            + (last.revision() == null ? "none" : "'" + shortId(last.revision()) + "'")
            + " (a runtime confirms a revision by returning {\"revision\": ...} from its health probe;"
            + " set spec.executor.settings.confirm_revision: false for one that cannot)";
    throw new ExecutorException("agent " + agent + "'s runtime did not confirm revision " + shortId(revision)
        + " within " + timeout.toMillis() + " ms: " + why, false);
  }

  /** True when the health probe's revision is {@code revision}, or revisions are not confirmed. */
  public boolean confirms(Health health, String revision) {
    return health.up() && (!confirmRevision || revision.equals(health.revision()));
  }

  /**
   * Sends one request. A2A: a body that is already JSON-RPC goes as it is; a JSON object becomes the
   * {@code params} of {@code message/send} (or {@code SendMessage}); other text becomes a user
   * message. {@code message/stream} answers are read to their end and returned as
   * {@code text/event-stream}. Plain JSON: the body is POSTed as it is.
   *
   * @param token the agent's scoped token for this invocation, sent as {@value #TOKEN_HEADER}
   */
  public InvocationResult invoke(Invocation invocation, @Nullable String token) throws ExecutorException {
    return invoke(invocation, token, null);
  }

  /**
   * Sends one request like {@link #invoke(Invocation, String)}; a 2xx {@code text/event-stream}
   * answer's events also go to {@code events} as they arrive (the whole answer is still returned at
   * its end, within the invocation's timeout).
   */
  public InvocationResult invoke(Invocation invocation, @Nullable String token, @Nullable InvocationEvents events)
      throws ExecutorException {
    byte[] body = invocation.body();
    String contentType = invocation.contentType();
    boolean stream = false;
    if (protocol == Protocol.A2A) {
      ObjectNode rpc = jsonRpc(invocation);
      String method = rpc.path("method").asText();
      stream = method.equals("message/stream") || method.equals("SendStreamingMessage");
      body = rpc.toString().getBytes(StandardCharsets.UTF_8);
      contentType = "application/json";
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(invokePath))
        .timeout(invocation.timeout())
        .header("content-type", contentType)
        .header("accept", stream ? "text/event-stream" : "application/json")
        .header("Warden-Agent", invocation.agent())
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    invocation.traceHeaders().forEach((name, value) -> {
      if (TRACE_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !value.isBlank()) {
        request.header(name.toLowerCase(Locale.ROOT), value);
      }
    });
    if (invocation.session() != null) {
      request.header("Warden-Session", invocation.session());
    }
    if (invocation.tenant() != null) {
      request.header("Warden-Tenant", invocation.tenant());
    }
    if (invocation.idempotencyKey() != null) {
      request.header("Idempotency-Key", invocation.idempotencyKey());
    }
    if (token != null) {
      request.header(TOKEN_HEADER, token);
    }
    HttpResponse.BodyHandler<byte[]> answer = events == null ? HttpResponse.BodyHandlers.ofByteArray()
        : info -> info.statusCode() / 100 == 2 && info.headers().firstValue("content-type").orElse("")
            .toLowerCase(Locale.ROOT).startsWith("text/event-stream")
            ? HttpResponse.BodySubscribers.fromSubscriber(new EventRelay(events), EventRelay::whole)
            : HttpResponse.BodySubscribers.ofByteArray();
    HttpResponse<byte[]> response = send(request.build(), invocation.timeout(), "request", answer);
    String answerType = response.headers().firstValue("content-type").orElse(stream ? "text/event-stream" : "application/json");
    return new InvocationResult(response.statusCode(), answerType, response.body());
  }

  private ObjectNode jsonRpc(Invocation invocation) throws ExecutorException {
    String send = a2aV1 ? "SendMessage" : "message/send";
    JsonNode parsed = null;
    try {
      parsed = JSON.readTree(invocation.body());
    } catch (IOException e) {
      // not JSON: sent as the text of a user message
    }
    String id = invocation.idempotencyKey() != null ? invocation.idempotencyKey() : UUID.randomUUID().toString();
    ObjectNode rpc = JSON.createObjectNode();
    if (parsed instanceof ObjectNode object && object.has("jsonrpc")) {
      if (!object.path("method").isTextual()) {
        throw new ExecutorException("the JSON-RPC request for agent " + agent + " has no method", true);
      }
      return object;
    }
    rpc.put("jsonrpc", "2.0").put("id", id).put("method", send);
    if (parsed instanceof ObjectNode object) {
      rpc.set("params", object);
    } else {
      ObjectNode message = rpc.putObject("params").putObject("message");
      message.put("role", a2aV1 ? "ROLE_USER" : "user").put("messageId", UUID.randomUUID().toString());
      ObjectNode part = message.putArray("parts").addObject();
      if (!a2aV1) {
        part.put("kind", "text");
      }
      part.put("text", new String(invocation.body(), StandardCharsets.UTF_8));
    }
    return rpc;
  }

  /**
   * Sends and waits at most {@code timeout} for the whole answer. A runtime that could not be reached
   * did not run the request (retryable); one that timed out or broke the connection may have.
   */
  private HttpResponse<byte[]> send(HttpRequest request, Duration timeout, String what) throws ExecutorException {
    return send(request, timeout, what, HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<byte[]> send(HttpRequest request, Duration timeout, String what,
      HttpResponse.BodyHandler<byte[]> answer) throws ExecutorException {
    CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(request, answer);
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw timedOut(request, timeout, what);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new ExecutorException("interrupted while waiting for agent " + agent + "'s " + what, false, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof HttpConnectTimeoutException || cause instanceof ConnectException
          || cause.getCause() instanceof ConnectException) {
        throw new ExecutorException("cannot reach agent " + agent + "'s runtime at " + request.uri() + " ("
            + describe(cause) + "); the " + what + " did not run", true, cause);
      }
      if (cause instanceof HttpTimeoutException) {
        throw timedOut(request, timeout, what);
      }
      throw new ExecutorException("agent " + agent + "'s runtime at " + request.uri() + " failed during the " + what
          + " (" + describe(cause) + "); it may have run", false, cause);
    }
  }

  private ExecutorException timedOut(HttpRequest request, Duration timeout, String what) {
    return new ExecutorException("agent " + agent + "'s runtime at " + request.uri() + " did not answer the " + what
        + " within " + timeout.toMillis() + " ms; it may still be running it", false);
  }

  /**
   * Keeps a streamed answer whole and hands each complete server-sent event on as its bytes arrive.
   * The HTTP client calls it one signal at a time; an {@link InvocationEvents} that throws stops
   * the relay, not the answer.
   */
  private static final class EventRelay implements Flow.Subscriber<List<ByteBuffer>> {
    private final ByteArrayOutputStream whole = new ByteArrayOutputStream();
    private final SseSplitter splitter;
    private Flow.@Nullable Subscription subscription;
    private boolean relaying = true;

    EventRelay(InvocationEvents events) {
      this.splitter = new SseSplitter(event -> {
        if (!relaying) {
          return;
        }
        try {
          events.event(event);
        } catch (RuntimeException e) {
          relaying = false; // the caller went away: the runtime's answer is still read to its end
        }
      });
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      for (ByteBuffer b : buffers) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        whole.writeBytes(bytes);
        splitter.feed(bytes);
      }
      Objects.requireNonNull(subscription).request(1);
    }

    @Override
    public void onError(Throwable t) {
      // the exchange fails with it; the events relayed so far stay relayed
    }

    @Override
    public void onComplete() {
      splitter.finish();
    }

    byte[] whole() {
      return whole.toByteArray();
    }
  }

  private static String describe(Throwable t) {
    String message = t.getMessage();
    if (t instanceof ConnectException || t.getCause() instanceof ConnectException) {
      return "connection refused";
    }
    return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
  }

  private static String path(String agent, Map<String, String> settings, String key, String fallback)
      throws ExecutorException {
    String value = settings.getOrDefault(key, fallback).strip();
    if (!value.startsWith("/") || value.contains(" ") || value.startsWith("//")) {
      throw invalid(agent, "spec.executor.settings." + key + " '" + value + "' is not a path: start it with '/'");
    }
    return value;
  }

  private static ExecutorException invalid(String agent, String message) {
    return new ExecutorException("agent " + agent + ": " + message, false);
  }

  private static String snippet(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
    return text.length() > MAX_MESSAGE_BODY ? text.substring(0, MAX_MESSAGE_BODY) + "..." : text;
  }

  static String shortId(String revision) {
    return revision.length() > 10 ? revision.substring(0, 10) : revision;
  }
}
