package io.warden.executors.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.warden.core.descriptor.AgentDescriptor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The exact response cache of {@code spec.routing.cache}, and the coalescing of identical calls in
 * flight: while one upstream call for a key runs, every other call with that key waits for its
 * answer instead of calling upstream itself. Only successful (2xx) answers are kept, for a TTL, in
 * a bounded cache. Streams are coalesced live ({@link #lookupStream}): a call identical to a
 * stream in flight follows it — it gets what was relayed so far at once and then each part as the
 * leading call relays it — up to {@code maxLiveChars} of it; past that, new calls go upstream.
 *
 * <p>Internal: not public API. Thread-safe.
 */
public final class AnswerCache {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Request fields that do not change the answer, left out of the key. */
  private static final Set<String> IGNORED = Set.of("model", "stream", "stream_options", "user", "metadata");

  /** One upstream answer as the call path needs it again: status, headers, body, and the calls that made it. */
  public record Answer(int status, @Nullable String contentType, Map<String, String> headers, Buffer body,
      List<Leg> legs, String escalatedOn) {}

  /**
   * One upstream call behind an answer: the model asked and the usage it reported (prompt-cache
   * writes by lifetime, Anthropic's, are part of the input tokens and billed above them).
   */
  public record Leg(AgentDescriptor.Model model, String snapshot, String responseModel, long inputTokens,
      long outputTokens, long cachedTokens, boolean usageSeen, long cacheWrite5mTokens, long cacheWrite1hTokens) {}

  /** How a lookup was answered: {@code hit} (cache), {@code coalesced} (joined a call in flight) or {@code miss}. */
  public record Lookup(Future<Answer> answer, String outcome) {}

  private final Cache<String, Answer> cache;
  private final Map<String, Future<Answer>> inFlight = new ConcurrentHashMap<>();
  private final Map<String, LiveStream> liveStreams = new ConcurrentHashMap<>();
  private final AtomicLong waiting = new AtomicLong();
  private final int maxLiveChars;

  public AnswerCache(Duration ttl, long maxEntries, Ticker ticker, int maxLiveChars) {
    this.cache = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(maxEntries).ticker(ticker)
        .executor(Runnable::run).build();
    this.maxLiveChars = maxLiveChars;
  }

  /** A call following a live stream: receives its parts in order, then its end. */
  public interface Follower {
    /** Relayed text (whole SSE events), in the order the leading call relayed it. */
    void part(String events);

    /** The stream ended: its answer as it will be cached, or null with why it failed. */
    void end(@Nullable Answer answer, String failure);
  }

  /** How a streaming lookup went: {@code hit} ({@link #hit}), {@code coalesced} (following), {@code miss} (leading {@link #lead}), or {@code uncached}. */
  public record StreamLookup(String outcome, @Nullable Answer hit, @Nullable LiveStream lead) {}

  /**
   * For a streaming call: the cached answer; or, with an identical stream in flight that can
   * still be joined, {@code follower} joins it; or this call leads a new live stream, which it
   * must {@link LiveStream#publish} to and {@link #endStream end}; or ({@code uncached}) it goes
   * upstream alone.
   */
  public StreamLookup lookupStream(String key, Follower follower) {
    Answer hit = cache.getIfPresent(key);
    if (hit != null) {
      return new StreamLookup("hit", hit, null);
    }
    LiveStream mine = new LiveStream(maxLiveChars);
    LiveStream running = liveStreams.putIfAbsent(key, mine);
    if (running == null) {
      hit = cache.getIfPresent(key); // stored between the first look and the claim
      if (hit != null) {
        liveStreams.remove(key, mine);
        return new StreamLookup("hit", hit, null);
      }
      return new StreamLookup("miss", null, mine);
    }
    if (running.join(follower)) {
      waiting.incrementAndGet();
      return new StreamLookup("coalesced", null, null);
    }
    return new StreamLookup("uncached", null, null);
  }

  /**
   * Ends a live stream this call led: a complete answer is cached first when {@code keep} (it was
   * recorded whole) (so no later call misses
   * both), then every follower gets the end.
   */
  public void endStream(String key, LiveStream live, @Nullable Answer answer, boolean keep, String failure) {
    if (keep && answer != null && answer.status() / 100 == 2) {
      cache.put(key, answer);
    }
    liveStreams.remove(key, live);
    int followers = live.end(answer, failure);
    waiting.addAndGet(-followers);
  }

  /**
   * A stream in flight and the calls following it. What was relayed is kept so a late joiner gets
   * it first; once that passes its bound no one else may join. Thread-safe: parts are handed to
   * followers under the lock, so each follower sees them in order.
   */
  public static final class LiveStream {
    private final int maxChars;
    private final StringBuilder relayed = new StringBuilder();
    private final List<Follower> followers = new ArrayList<>();
    private boolean joinable = true;

    LiveStream(int maxChars) {
      this.maxChars = maxChars;
    }

    synchronized boolean join(Follower f) {
      if (!joinable) {
        return false;
      }
      if (relayed.length() > 0) {
        f.part(relayed.toString());
      }
      followers.add(f);
      return true;
    }

    /** Hands relayed events to the followers. */
    public synchronized void publish(String events) {
      if (events.isEmpty()) {
        return;
      }
      for (Follower f : followers) {
        f.part(events);
      }
      if (joinable) {
        relayed.append(events);
        if (relayed.length() > maxChars) {
          joinable = false; // too long to hand to a late joiner: those go upstream themselves
          relayed.setLength(0);
          relayed.trimToSize();
        }
      }
    }

    synchronized int end(@Nullable Answer answer, String failure) {
      joinable = false;
      for (Follower f : followers) {
        f.end(answer, failure);
      }
      int n = followers.size();
      followers.clear();
      relayed.setLength(0);
      return n;
    }
  }

  /** The cached answer for {@code key}, the call in flight for it, or a new call made by {@code load}. */
  public Lookup lookup(String key, Supplier<Future<Answer>> load) {
    Answer hit = cache.getIfPresent(key);
    if (hit != null) {
      return new Lookup(Future.succeededFuture(hit), "hit");
    }
    Promise<Answer> promise = Promise.promise();
    Future<Answer> running = inFlight.putIfAbsent(key, promise.future());
    if (running != null) {
      waiting.incrementAndGet();
      running.onComplete(ar -> waiting.decrementAndGet());
      return new Lookup(running, "coalesced");
    }
    hit = cache.getIfPresent(key); // stored between the first look and the claim
    if (hit != null) {
      inFlight.remove(key, promise.future());
      promise.complete(hit);
      return new Lookup(promise.future(), "hit");
    }
    Future<Answer> loading;
    try {
      loading = load.get();
    } catch (RuntimeException e) {
      loading = Future.failedFuture(e);
    }
    loading.onComplete(ar -> {
      if (ar.succeeded() && ar.result().status() / 100 == 2) {
        cache.put(key, ar.result()); // before leaving the in-flight map, so no caller misses both
      }
      inFlight.remove(key, promise.future());
      promise.handle(ar);
    });
    return new Lookup(promise.future(), "miss");
  }

  /** Calls waiting now for an identical call in flight. */
  public long waiting() {
    return waiting.get();
  }

  /** Entries held now (expired ones may still count until cleaned up). */
  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  /**
   * The key of a request: SHA-256 of the caller, the endpoint, whether it streams, what answers it
   * ({@code route}: the pinned snapshot and any small model and signals), the provider headers that
   * change the answer, and the request's canonical JSON without fields that do not change it.
   */
  public static String key(String agent, WireFormat format, boolean stream, String route, JsonNode body,
      @Nullable String anthropicVersion, @Nullable String anthropicBeta) {
    StringBuilder s = new StringBuilder();
    s.append(agent).append('\n').append(format).append('\n').append(stream).append('\n').append(route).append('\n')
        .append(anthropicVersion == null ? "" : anthropicVersion).append('\n')
        .append(anthropicBeta == null ? "" : anthropicBeta).append('\n');
    ObjectNode copy = ((ObjectNode) body).deepCopy();
    copy.remove(IGNORED);
    s.append(canonical(copy));
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(s.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** JSON with object keys sorted at every level, so key order never splits a cache entry. */
  static String canonical(JsonNode n) {
    if (n instanceof ObjectNode o) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      o.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
      StringBuilder s = new StringBuilder("{");
      sorted.forEach((k, v) -> s.append(s.length() > 1 ? "," : "").append(JSON.valueToTree(k).toString()).append(':')
          .append(canonical(v)));
      return s.append('}').toString();
    }
    if (n instanceof ArrayNode a) {
      List<String> parts = new ArrayList<>();
      a.forEach(v -> parts.add(canonical(v)));
      return "[" + String.join(",", parts) + "]";
    }
    return n.toString();
  }
}
