package io.warden.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.core.identity.FailedAuthentications;
import io.warden.core.identity.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failed authentications on 8080 cost a bounded amount (audit entries, 429 instead of 401 once an
 * address is over its budget), and never keep a valid credential out, even one that has never been
 * used before, from the very address that floods.
 */
@Timeout(180)
class FailedAuthenticationIT {
  @TempDir Path dir;
  private ApiFixture api;

  @BeforeEach
  void setUp() throws Exception {
    api = new ApiFixture(dir, Map.of());
  }

  @AfterEach
  void tearDown() throws Exception {
    api.close();
  }

  @Test
  void badTokenFlood_getsTooManyRequests_whileNewValidCredentialsWorkOnApiAndGit() throws Exception {
    for (int i = 0; i < FailedAuthentications.DEFAULT_BUDGET; i++) {
      ApiFixture.Response r = api.get("wdn_u_guess" + i + "_nope", "/api/v1/agents");
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.body().path("code").asText()).isEqualTo("unauthorized");
    }
    ApiFixture.Response refused = api.get("wdn_u_guess21_nope", "/api/v1/agents");
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.body().path("code").asText()).isEqualTo("too_many_requests");
    assertThat(refused.headers().get("retry-after")).singleElement()
        .satisfies(s -> assertThat(Long.parseLong(s)).isBetween(1L, 60L));
    assertThat(api.getBasic("wdn_u_guess22_nope", "/git/warden.git/info/refs?service=git-upload-pack").status())
        .isEqualTo(429);

    // Credentials created now have never worked before; they work at once, from the same address.
    String newcomer = api.identity.createUser(api.admin, "newcomer", Role.VIEWER, Set.of()).secret();
    String credential = api.identity.issueCredential(api.admin, ApiFixture.AGENT).secret();
    ApiFixture.Response whoami = api.get(newcomer, "/api/v1/whoami");
    assertThat(whoami.status()).isEqualTo(200);
    assertThat(whoami.body().path("name").asText()).isEqualTo("newcomer");
    assertThat(api.get(credential, "/api/v1/whoami").body().path("name").asText()).isEqualTo(ApiFixture.AGENT);
    ApiFixture.Response refs = api.getBasic(newcomer, "/git/warden.git/info/refs?service=git-upload-pack");
    assertThat(refs.status()).isEqualTo(200);
    assertThat(refs.text()).contains("refs/heads/main");

    // 22 failures, two audit entries so far: the first failure, and (at close) one summary.
    assertThat(api.audit.list(0, 1000, "auth.failure")).hasSize(1);
    api.identity.close();
    assertThat(api.audit.list(0, 1000, "auth.failure")).hasSize(2)
        .extracting(e -> ((Number) e.details().get("count")).longValue()).containsExactly(1L, 21L);
  }

  @Test
  void thousandFailedAuthentications_costTwoAuditEntries() throws Exception {
    long before = Files.size(api.auditFile);
    for (int i = 0; i < 1000; i++) {
      assertThat(api.get("wdn_u_0123456789abcdef_" + "B".repeat(43), "/api/v1/agents").status()).isIn(401, 429);
    }
    api.identity.close();
    long bytes = Files.size(api.auditFile) - before;
    System.out.printf("audit bytes per 1,000 failed authentications: %d%n", bytes);
    assertThat(api.audit.list(0, 2000, "auth.failure")).hasSize(2);
    assertThat(bytes).isLessThan(2_000);
  }

  @Test
  void eightHostileClients_neverRefuseALegitimateToken() throws Exception {
    String legit = api.identity.createUser(api.admin, "legit", Role.VIEWER, Set.of()).secret();
    AtomicBoolean flooding = new AtomicBoolean(true);
    AtomicLong hostile = new AtomicLong();
    ExecutorService attackers = Executors.newFixedThreadPool(8);
    for (int t = 0; t < 8; t++) {
      int id = t;
      attackers.submit(() -> {
        for (int i = 0; flooding.get(); i++) {
          api.get("wdn_u_attacker" + id + "x" + i + "_nope", "/api/v1/agents");
          hostile.incrementAndGet();
        }
        return null;
      });
    }
    List<Long> micros = Collections.synchronizedList(new ArrayList<>());
    List<Integer> statuses = new ArrayList<>();
    try {
      // The legitimate caller starts once the address is far over its budget.
      org.awaitility.Awaitility.await().until(() -> hostile.get() > 200);
      for (int i = 0; i < 200; i++) {
        long start = System.nanoTime();
        statuses.add(api.get(legit, "/api/v1/whoami").status());
        micros.add((System.nanoTime() - start) / 1000);
      }
    } finally {
      flooding.set(false);
      attackers.shutdown();
    }
    Collections.sort(micros);
    System.out.printf("legitimate token under 8 hostile clients (%d hostile requests): 200 x %d of %d, "
            + "latency median %.1f ms, p99 %.1f ms%n", hostile.get(),
        statuses.stream().filter(s -> s == 200).count(), statuses.size(),
        micros.get(micros.size() / 2) / 1000.0, micros.get(micros.size() * 99 / 100) / 1000.0);
    assertThat(statuses).containsOnly(200);
  }
}
