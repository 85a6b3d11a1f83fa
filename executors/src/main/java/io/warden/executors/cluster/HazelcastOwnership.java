package io.warden.executors.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.warden.core.WardenException;
import io.warden.core.budget.BudgetExceededException;
import io.warden.core.executor.InvocationResult;
import io.warden.core.session.InvokeRequest;
import io.warden.core.session.RouterBusyException;
import io.warden.executors.session.ForwardedCall;
import io.warden.executors.session.SessionOwnership;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Session ownership on Hazelcast: the map {@value #OWNERS} ({@code session -> node}), claimed with
 * {@code putIfAbsent} and released when a session is parked or ended; calls for a session another
 * member owns go to it over the clustered event bus (request/reply on {@value #ADDRESS}{@code <node>}).
 *
 * <p>Why a claimed map and not Hazelcast's partition owner of the session key: partitions migrate
 * when a member joins, which would move a session while its requests run and break their order; a
 * claim moves only when its member leaves (or the session is parked, ended, or idle for
 * {@value #IDLE_OWNER_SECONDS} s, i.e. has nothing in flight).
 *
 * <p>When a member leaves, every survivor drops the claims of the member that left (the next call
 * of each of its sessions claims it where it arrives) and fails the calls it had forwarded there and
 * not yet heard back about: whether they ran is unknown, so they fail as such, never re-sent.
 */
final class HazelcastOwnership implements SessionOwnership {
  private static final Logger LOG = LoggerFactory.getLogger(HazelcastOwnership.class);
  static final String OWNERS = "warden-session-owners";
  static final String ADDRESS = "warden.sessions.";
  /** A claim nobody used for a day lapses (bounded map); such a session has nothing in flight. */
  static final int IDLE_OWNER_SECONDS = 24 * 3600;
  /** The most a forwarded call may take (the owner's queue plus the runtime); members leaving fail it sooner. */
  static final Duration FORWARD_TIMEOUT = Duration.ofMinutes(10);

  private final Vertx vertx;
  private final HazelcastInstance hz;
  private final IMap<String, String> owners;
  private final String self;
  private final Map<String, Set<CompletableFuture<InvocationResult>>> pending = new ConcurrentHashMap<>();

  HazelcastOwnership(Vertx vertx, HazelcastInstance hz) {
    this.vertx = vertx;
    this.hz = hz;
    this.owners = hz.getMap(OWNERS);
    this.self = hz.getCluster().getLocalMember().getUuid().toString();
    hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        LOG.info("cluster member joined: {} {}", event.getMember().getUuid(), event.getMember().getAddress());
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        String gone = event.getMember().getUuid().toString();
        LOG.warn("cluster member left: {} {}; its sessions are claimed anew where their next call arrives", gone,
            event.getMember().getAddress());
        Thread.ofVirtual().name("cluster-member-left").start(() -> memberLeft(gone));
      }
    });
  }

  private void memberLeft(String gone) {
    Set<CompletableFuture<InvocationResult>> lost = pending.remove(gone);
    if (lost != null) {
      lost.forEach(f -> f.completeExceptionally(new WardenException("unavailable", "cluster node " + gone
          + " serving this session left the cluster before answering; whether the request ran is unknown. Send it"
          + " again with the same Idempotency-Key: it is answered from its record, or refused if it was running")));
    }
    try {
      owners.removeAll(Predicates.equal("this", gone));
    } catch (RuntimeException e) {
      LOG.warn("could not drop the session claims of cluster node {} (each is claimed anew when next used)", gone, e);
    }
  }

  @Override
  public String ownerOf(String agent, String session) {
    for (int attempt = 0; attempt < 3; attempt++) {
      String owner = owners.get(session); // a read first: the usual case, and it keeps the claim from lapsing
      if (owner == null) {
        owner = owners.putIfAbsent(session, self);
        if (owner == null) {
          return LOCAL;
        }
      }
      if (owner.equals(self)) {
        return LOCAL;
      }
      if (isMember(owner)) {
        return owner;
      }
      // Its owner left and its claim is not dropped yet: take it over.
      if (owners.replace(session, owner, self)) {
        return LOCAL;
      }
    }
    throw new WardenException("unavailable", "session " + session + " changes owner right now; send the call again");
  }

  @Override
  public void release(String agent, String session) {
    try {
      owners.remove(session, self);
    } catch (RuntimeException e) {
      LOG.warn("could not release session {} (it lapses when its node leaves or after a day idle)", session, e);
    }
  }

  @Override
  public String node() {
    return self;
  }

  @Override
  public boolean isMember(String node) {
    for (Member m : hz.getCluster().getMembers()) {
      if (m.getUuid().toString().equals(node)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public CompletionStage<InvocationResult> forward(String node, ForwardedCall call) {
    CompletableFuture<InvocationResult> answer = new CompletableFuture<>();
    Set<CompletableFuture<InvocationResult>> waiting = pending.computeIfAbsent(node, k -> ConcurrentHashMap.newKeySet());
    waiting.add(answer);
    answer.whenComplete((r, e) -> waiting.remove(answer));
    if (!isMember(node)) { // it left between the claim check and now
      memberLeft(node);
      return answer;
    }
    vertx.eventBus().<JsonObject>request(ADDRESS + node, encode(call),
            new DeliveryOptions().setSendTimeout(FORWARD_TIMEOUT.toMillis()))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            decode(ar.result().body(), answer);
          } else {
            answer.completeExceptionally(new WardenException("unavailable", "cluster node " + node + " serving session "
                + call.session() + " did not answer: " + ar.cause().getMessage() + "; whether the request ran is"
                + " unknown: send it again with the same Idempotency-Key"));
          }
        });
    return answer;
  }

  @Override
  public void serve(Function<ForwardedCall, CompletionStage<InvocationResult>> handler) {
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(ADDRESS + self,
        // Off the event loop: the router reads the shared store and may wait for its turn.
        message -> Thread.ofVirtual().name("cluster-forwarded").start(() -> handle(handler, message)));
    try {
      // Registered across the cluster before this node says it is up.
      consumer.completion().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new WardenException("unavailable", "could not register this node on the cluster's event bus: " + e);
    }
  }

  private static void handle(Function<ForwardedCall, CompletionStage<InvocationResult>> handler,
      Message<JsonObject> message) {
    CompletionStage<InvocationResult> answer;
    try {
      answer = handler.apply(decodeCall(message.body()));
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenComplete((result, err) -> {
      if (err == null) {
        message.reply(new JsonObject().put("status", result.status()).put("content_type", result.contentType())
            .put("body", Base64.getEncoder().encodeToString(result.body())));
        return;
      }
      Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
          ? err.getCause() : err;
      JsonObject failure = new JsonObject().put("error", true);
      if (cause instanceof WardenException w) {
        failure.put("code", w.code()).put("message", w.getMessage());
        if (w instanceof RouterBusyException busy) {
          failure.put("retry_after", busy.retryAfterSeconds());
        } else if (w instanceof BudgetExceededException budget) {
          // The forwarding node answers 429 with Retry-After from these, as the owner would have.
          failure.put("budget", budget.budget()).put("retry_after_ms", budget.retryAfter().toMillis());
        }
      } else {
        LOG.warn("a forwarded call failed inside Warden", cause);
        failure.put("code", "internal_error").put("message", "the owner node failed: " + cause);
      }
      message.reply(failure);
    });
  }

  static JsonObject encode(ForwardedCall call) {
    JsonObject json = new JsonObject().put("op", call.op()).put("caller", call.callerSubject())
        .put("chain", new JsonArray(call.callerChain())).put("session", call.session())
        .put("waiting_for", call.waitingFor());
    InvokeRequest r = call.request();
    if (r != null) {
      JsonObject trace = new JsonObject();
      r.traceHeaders().forEach(trace::put);
      json.put("request", new JsonObject().put("agent", r.agent()).put("session", r.session()).put("tenant", r.tenant())
          .put("idempotency_key", r.idempotencyKey()).put("content_type", r.contentType())
          .put("body", Base64.getEncoder().encodeToString(r.body())).put("trace", trace));
    }
    return json;
  }

  static ForwardedCall decodeCall(JsonObject json) {
    JsonObject r = json.getJsonObject("request");
    InvokeRequest request = null;
    if (r != null) {
      Map<String, String> trace = new LinkedHashMap<>();
      r.getJsonObject("trace", new JsonObject()).forEach(e -> trace.put(e.getKey(), String.valueOf(e.getValue())));
      request = new InvokeRequest(r.getString("agent"), r.getString("session"), r.getString("tenant"),
          r.getString("idempotency_key"), r.getString("content_type"), Base64.getDecoder().decode(r.getString("body")),
          trace);
    }
    return new ForwardedCall(json.getString("op"), json.getString("caller"),
        json.getJsonArray("chain", new JsonArray()).stream().map(String::valueOf).toList(), json.getString("session"),
        request, json.getString("waiting_for", ""));
  }

  private static void decode(@Nullable JsonObject reply, CompletableFuture<InvocationResult> answer) {
    if (reply == null) {
      answer.completeExceptionally(new WardenException("internal_error", "the owner node answered nothing"));
    } else if (reply.getBoolean("error", false)) {
      String code = reply.getString("code", "internal_error");
      String message = reply.getString("message", "");
      answer.completeExceptionally(switch (code) {
        case "too_many_requests" -> new RouterBusyException(message, reply.getLong("retry_after", 1L));
        case "budget_exceeded" -> new BudgetExceededException(reply.getString("budget", ""), message,
            Duration.ofMillis(reply.getLong("retry_after_ms", 1000L)));
        default -> new WardenException(code, message);
      });
    } else {
      answer.complete(new InvocationResult(reply.getInteger("status"), reply.getString("content_type"),
          Base64.getDecoder().decode(reply.getString("body"))));
    }
  }
}
