package io.warden.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds what a flood of bad tokens costs. Every failed authentication is an fsynced audit entry, so
 * after {@link #DEFAULT_MAX_FAILURES} failures from one client address within {@link #WINDOW}, that
 * address gets 429 for secrets Warden has not seen succeed recently, without another audit write.
 * Callers who already authenticated (their secret's digest is remembered) keep working. Secrets are
 * remembered only as SHA-256 digests.
 */
final class FailedAuthThrottle {
  /** Failed authentications per client address per window before refusing: {@value}. */
  static final int DEFAULT_MAX_FAILURES = 20;

  static final Duration WINDOW = Duration.ofMinutes(1);

  private final int maxFailures;
  private final Cache<String, AtomicInteger> failures;
  private final Cache<String, Boolean> recentlyValid;

  FailedAuthThrottle(int maxFailures, Ticker ticker) {
    this.maxFailures = maxFailures;
    this.failures = Caffeine.newBuilder().ticker(ticker).expireAfterWrite(WINDOW).maximumSize(100_000).build();
    this.recentlyValid = Caffeine.newBuilder().ticker(ticker).expireAfterAccess(Duration.ofMinutes(10))
        .maximumSize(100_000).build();
  }

  static FailedAuthThrottle create() {
    return new FailedAuthThrottle(DEFAULT_MAX_FAILURES, Ticker.systemTicker());
  }

  /** True when this address is over its failure budget and the secret has not succeeded lately. */
  boolean refuses(String address, String secret) {
    AtomicInteger count = failures.getIfPresent(address);
    return count != null && count.get() >= maxFailures && recentlyValid.getIfPresent(digest(secret)) == null;
  }

  void failed(String address) {
    failures.get(address, a -> new AtomicInteger()).incrementAndGet();
  }

  void succeeded(String secret) {
    recentlyValid.put(digest(secret), Boolean.TRUE);
  }

  private static String digest(String secret) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
