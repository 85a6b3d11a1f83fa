package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A flood of bad tokens from one address costs one audit entry at once (and one summary a minute),
 * and after 20 failures a minute the address's bad tokens get 429 with Retry-After. A valid
 * credential is never refused: a user created during the flood works at once, on the API and with
 * the real git client, from that same address.
 */
@Timeout(180)
class AuthThrottleIT extends ApplianceTestBase {

  @Test
  void badTokenFlood_isThrottled_newValidUsersAreNot() throws Exception {
    warden = WardenProcess.start(tmp.resolve("data"));
    String admin = warden.adminToken();
    assertThat(warden.get(admin, "/api/v1/whoami").status()).isEqualTo(200);

    for (int i = 0; i < 20; i++) {
      assertThat(warden.get("wdn_u_guess" + i + "_nope", "/api/v1/agents").status()).isEqualTo(401);
    }
    WardenProcess.Response refused = warden.get("wdn_u_guess21_nope", "/api/v1/agents");
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.body().path("code").asText()).isEqualTo("too_many_requests");

    String newcomer = createUser(admin, "newcomer", "viewer", List.of());
    assertThat(warden.get(newcomer, "/api/v1/whoami").status()).isEqualTo(200);
    git(tmp, 0, "clone", "-q", warden.gitUrl(newcomer), tmp.resolve("clone").toString());
    assertThat(warden.get("wdn_u_guess22_nope", "/api/v1/agents").status()).isEqualTo(429);

    JsonNode failures = warden.get(admin, "/api/v1/audit?limit=1000&action=auth.failure").body().path("events");
    assertThat(failures).hasSize(1);
    assertThat(failures.get(0).path("details").path("count").asInt()).isEqualTo(1);
    assertThat(failures.get(0).path("details").path("source").asText()).isEqualTo("127.0.0.1");
  }
}
