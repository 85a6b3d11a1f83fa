package io.warden.policy.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.warden.core.policy.DecisionInput;
import io.warden.core.policy.PolicyDecider;
import io.warden.core.policy.PolicyDecision;
import io.warden.policy.api.RuntimeDecisionV1;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime {@link PolicyDecider}: asks OPA for {@code data.warden.runtime.decision}, caches
 * answers, fails closed, and writes every decision to the decision log.
 *
 * <ul>
 *   <li><b>Cache.</b> Caffeine, keyed by policy revision + the digest of the
 *       {@linkplain NormalisedInput normalised input} (time rounded to the bucket); emptied when the
 *       revision changes. Only real policy answers are cached, never a fail-closed deny.</li>
 *   <li><b>Fail closed.</b> Breaker open, OPA unreachable, or no answer within the deadline: DENY
 *       {@value #UNAVAILABLE}. An undefined or malformed decision, or an evaluation error: DENY
 *       with what went wrong.</li>
 * </ul>
 *
 * <p>Internal: not public API.
 */
public final class OpaPolicyDecider implements PolicyDecider {
  private static final Logger LOG = LoggerFactory.getLogger(OpaPolicyDecider.class);

  /** The reason of every decision the engine could not get from OPA. */
  public static final String UNAVAILABLE = "policy engine unavailable";

  /** The reason when the decision log cannot take the decision. */
  public static final String LOG_UNAVAILABLE = "decision log unavailable";

  /** OPA data path of the runtime decision. */
  public static final String DECISION_PATH = "warden/runtime/decision";

  private final OpaClient client;
  private final PolicySync sync;
  private final EngineStatus status;
  private final MvDecisionLog log;
  private final ObjectMapper json;
  private final Clock clock;
  private final Duration deadline;
  private final Duration bucket;
  private final Cache<String, PolicyDecision> cache;
  private final AtomicLong lastWarn = new AtomicLong(System.nanoTime() - 2_000_000_000L);

  public OpaPolicyDecider(OpaClient client, PolicySync sync, EngineStatus status, MvDecisionLog log,
      ObjectMapper json, Clock clock, Duration deadline, Duration bucket, long cacheSize) {
    this.client = Objects.requireNonNull(client, "client");
    this.sync = Objects.requireNonNull(sync, "sync");
    this.status = Objects.requireNonNull(status, "status");
    this.log = Objects.requireNonNull(log, "log");
    this.json = Objects.requireNonNull(json, "json");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.deadline = Objects.requireNonNull(deadline, "deadline");
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    // Entries outlive their time bucket by one bucket at most; the bound is in entries.
    this.cache = Caffeine.newBuilder()
        .maximumSize(cacheSize)
        .expireAfterWrite(bucket.multipliedBy(2).compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : bucket.multipliedBy(2))
        .recordStats()
        .build();
  }

  @Override
  public PolicyDecision decide(DecisionInput input) {
    Objects.requireNonNull(input, "input");
    long start = System.nanoTime();
    NormalisedInput normalised = NormalisedInput.of(input, bucket);
    String revision = sync.revision();
    PolicyDecision cached = revision.isEmpty() ? null : cache.getIfPresent(key(revision, normalised));
    PolicyDecision decision = cached != null ? cached : ask(normalised);
    boolean logged = log.record(clock.instant(), input, decision, normalised.digest(),
        (System.nanoTime() - start) / 1000, cached != null);
    // A decision that cannot be recorded is not given: the log is the evidence behind every allow.
    return logged ? decision : PolicyDecision.deny(LOG_UNAVAILABLE, decision.policyRevision());
  }

  /** The cached decision for {@code input}, logged, when the log takes it at once; null otherwise. */
  @Override
  public @Nullable PolicyDecision decideWithoutWaiting(DecisionInput input) {
    Objects.requireNonNull(input, "input");
    long start = System.nanoTime();
    NormalisedInput normalised = NormalisedInput.of(input, bucket);
    String revision = sync.revision();
    PolicyDecision cached = revision.isEmpty() ? null : cache.getIfPresent(key(revision, normalised));
    if (cached == null
        || !log.recordWithoutWaiting(clock.instant(), input, cached, normalised.digest(), (System.nanoTime() - start) / 1000)) {
      return null;
    }
    return cached;
  }

  private PolicyDecision ask(NormalisedInput input) {
    if (!status.tryAcquire()) {
      return unavailable();
    }
    long start = System.nanoTime();
    try {
      Answer answer = sync.read(deadline, revision -> new Answer(revision, client.query(DECISION_PATH, input.json(), deadline)));
      status.onSuccess(System.nanoTime() - start);
      PolicyDecision decision = toDecision(json, answer.result(), answer.revision());
      if (!answer.revision().isEmpty() && !answer.result().isMissingNode()) {
        cache.put(key(answer.revision(), input), decision);
      }
      return decision;
    } catch (OpaException.Rejected e) {
      status.onSuccess(System.nanoTime() - start);
      return PolicyDecision.deny("policy evaluation failed: " + e.describe(), sync.revision());
    } catch (OpaException.Unavailable e) {
      status.onFailure(System.nanoTime() - start, e);
      warnAtMostEverySecond(e);
      return unavailable();
    }
  }

  private record Answer(String revision, JsonNode result) {}

  private void warnAtMostEverySecond(OpaException.Unavailable e) {
    long now = System.nanoTime();
    long last = lastWarn.get();
    if (now - last > 1_000_000_000L && lastWarn.compareAndSet(last, now)) {
      LOG.warn("runtime decision denied, opa did not answer: {}", e.getMessage());
    }
  }

  private static PolicyDecision unavailable() {
    return PolicyDecision.deny(UNAVAILABLE, "");
  }

  static PolicyDecision toDecision(ObjectMapper json, JsonNode result, String revision) {
    if (result.isMissingNode() || result.isNull()) {
      return PolicyDecision.deny("no runtime policy decision: data.warden.runtime.decision is undefined at revision "
          + PolicyBundle.shortRev(revision), revision);
    }
    RuntimeDecisionV1 v1;
    try {
      v1 = json.treeToValue(result, RuntimeDecisionV1.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      return PolicyDecision.deny("runtime policy returned a malformed decision: " + result, revision);
    }
    String r = v1.result() == null ? "" : v1.result();
    return switch (r) {
      case "allow" -> new PolicyDecision(PolicyDecision.Outcome.ALLOW, v1.reasons(), revision, v1.approverTeam());
      case "require_approval" -> new PolicyDecision(PolicyDecision.Outcome.REQUIRE_APPROVAL,
          v1.reasons().isEmpty() ? List.of("approval required by policy") : v1.reasons(), revision,
          v1.approverTeam());
      case "deny" -> new PolicyDecision(PolicyDecision.Outcome.DENY,
          v1.reasons().isEmpty() ? List.of("denied by policy") : v1.reasons(), revision);
      default -> PolicyDecision.deny("runtime policy returned unknown result '" + r
          + "': expected allow, deny or require_approval", revision);
    };
  }

  private static String key(String revision, NormalisedInput input) {
    return revision + ':' + input.digest();
  }

  /** Empties the cache (the policy revision changed). */
  public void invalidate() {
    cache.invalidateAll();
  }

  /** Cache statistics for health: size, hits, misses. */
  public long[] cacheStats() {
    var s = cache.stats();
    return new long[] {cache.estimatedSize(), s.hitCount(), s.missCount()};
  }
}
