package io.warden.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CredentialsTest {

  private static String basic(String userAndPassword) {
    return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "[{0}] -> [{1}]")
  @CsvSource(nullValues = "NULL", value = {
      "'Bearer wdn_u_1_s',     wdn_u_1_s",
      "'bearer   wdn_u_1_s  ', wdn_u_1_s",
      "'BEARER wdn_u_1_s',     wdn_u_1_s",
      "'Bearer ',              NULL",
      "'Bearer',               NULL",
      "'Token wdn_u_1_s',      NULL",
      "NULL,                   NULL",
  })
  void bearer_andFromAuthorizationHeader_readBearer(String header, String secret) {
    assertThat(Credentials.bearer(header).orElse(null)).isEqualTo(secret);
    assertThat(Credentials.fromAuthorizationHeader(header).orElse(null)).isEqualTo(secret);
  }

  @ParameterizedTest(name = "[{0}] -> [{1}]")
  @CsvSource(nullValues = "NULL", value = {
      "git:wdn_a_2_s,  wdn_a_2_s",
      "wdn_a_2_s,      wdn_a_2_s",
      "git:,           NULL",
  })
  void fromAuthorizationHeader_basic_isThePassword(String userAndPassword, String secret) {
    assertThat(Credentials.fromAuthorizationHeader(basic(userAndPassword)).orElse(null)).isEqualTo(secret);
    assertThat(Credentials.bearer(basic(userAndPassword))).isEmpty();
  }

  @Test
  void fromAuthorizationHeader_basicNotBase64_isEmpty() {
    assertThat(Credentials.fromAuthorizationHeader("Basic !!!")).isEmpty();
  }
}
