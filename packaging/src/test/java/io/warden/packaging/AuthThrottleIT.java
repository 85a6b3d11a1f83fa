package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A flood of bad tokens from one address costs at most 20 audited failures a minute; after that the
 * address gets 429 with Retry-After, while callers whose tokens already worked carry on.
 */
@Timeout(180)
class AuthThrottleIT extends ApplianceTestBase {

  @Test
  void badTokenFlood_isThrottled_validCallersAreNot() throws Exception {
    warden = WardenProcess.start(tmp.resolve("data"));
    String admin = warden.adminToken();
    assertThat(warden.get(admin, "/api/v1/whoami").status()).isEqualTo(200);

    for (int i = 0; i < 20; i++) {
      assertThat(warden.get("wdn_u_guess" + i + "_nope", "/api/v1/agents").status()).isEqualTo(401);
    }
    WardenProcess.Response refused = warden.get("wdn_u_guess21_nope", "/api/v1/agents");
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.body().path("code").asText()).isEqualTo("too_many_requests");

    assertThat(warden.get(admin, "/api/v1/whoami").status()).isEqualTo(200);
    JsonNode failures = warden.get(admin, "/api/v1/audit?limit=1000&action=auth.failure").body().path("events");
    assertThat(failures).hasSize(20);
  }
}
