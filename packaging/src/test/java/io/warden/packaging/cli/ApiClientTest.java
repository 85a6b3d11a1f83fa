package io.warden.packaging.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiClientTest {

  @Test
  void server_defaultsToTheConfiguredPort() {
    assertThat(new ApiClient(Map.of("WARDEN_HTTP_PORT", "9091")).base()).isEqualTo("http://127.0.0.1:9091");
    assertThat(new ApiClient(Map.of("WARDEN_HTTP_HOST", "0.0.0.0")).base()).isEqualTo("http://127.0.0.1:8080");
  }

  @Test
  void server_urlAndFlag_win() {
    ApiClient client = new ApiClient(Map.of("WARDEN_HTTP_PORT", "9091", "WARDEN_URL", "http://warden.internal:80"));
    assertThat(client.base()).isEqualTo("http://warden.internal:80");
    client.server = "http://other:1";
    assertThat(client.base()).isEqualTo("http://other:1");
  }

  @Test
  void serverMessages_nameCliCommands_notRoutes() {
    assertThat(ApiClient.forCli("no agent 'x' on main; GET /api/v1/agents lists them"))
        .isEqualTo("no agent 'x' on main; warden agents list lists them");
    assertThat(ApiClient.forCli("no change request #9: list them with GET /api/v1/changes"))
        .isEqualTo("no change request #9: list them with warden changes list");
    assertThat(ApiClient.forCli("this endpoint is for users; agent credentials cannot call it"))
        .isEqualTo("this command is for users; agent credentials cannot call it");
  }
}
