package io.warden.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every POST route, every kind of bad body: no body, {@code null}, a list, a scalar, broken JSON,
 * fields of the wrong type, required fields missing. Each answer is 400 {@code invalid_input} that
 * says what the route expects; none is a 500.
 */
@Timeout(120)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestBodiesIT {
  private ApiFixture api;
  private String agentCredential;

  /** A route taking a body: who calls it, and a word its expected shape names. */
  private record Route(String path, boolean asAgent, String expects) {}

  private static final List<Route> BODY_ROUTES = List.of(
      new Route("/api/v1/changes", false, "files"),
      new Route("/api/v1/users", false, "role"),
      new Route("/api/v1/tokens", true, "session"),
      new Route("/api/v1/agents/" + ApiFixture.AGENT + "/rollback", false, "revision"));

  /** Bodies that are wrong for every route. */
  private static final List<String> BAD_FOR_ALL = List.of("", " ", "null", "[]", "[{}]", "\"text\"", "5", "true",
      "{", "{\"a\":", "{}");

  /** Bodies with a field of the wrong type, per route. */
  private static final Map<String, List<String>> WRONG_TYPES = Map.of(
      "/api/v1/changes", List.of("{\"title\": 5, \"files\": {\"a.yaml\": \"x\"}}", "{\"files\": []}",
          "{\"files\": \"agents/x.yaml\"}", "{\"delete\": {\"a\": 1}}", "{\"delete\": [1]}",
          "{\"files\": {\"a.yaml\": 5}}", "{\"files\": null, \"delete\": null}"),
      "/api/v1/users", List.of("{\"name\": 5, \"role\": \"viewer\"}", "{\"name\": \"bo\", \"role\": [\"viewer\"]}",
          "{\"name\": \"bo\"}", "{\"name\": \"bo\", \"role\": \"viewer\", \"teams\": \"a\"}",
          "{\"name\": \"bo\", \"role\": \"viewer\", \"teams\": [1]}", "{\"name\": null, \"role\": \"viewer\"}"),
      "/api/v1/tokens", List.of("{\"session\": 5}", "{\"session\": \"s\", \"ttl_seconds\": \"60\"}",
          "{\"session\": \"s\", \"ttl_seconds\": 1.5}", "{\"session\": \"s\", \"ttl_seconds\": 1e30}",
          "{\"session\": \"s\", \"tools\": \"a\"}", "{\"session\": \"s\", \"usd_budget\": \"lots\"}",
          "{\"session\": \"s\", \"usd_budget\": {}}", "{\"session\": \"s\", \"agent\": 7}",
          "{\"session\": \"s\", \"parent\": \"4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7\"}"),
      "/api/v1/agents/" + ApiFixture.AGENT + "/rollback", List.of("{\"revision\": 5}", "{\"revision\": \"\"}",
          "{\"revision\": null}", "{\"revision\": [\"abc\"]}"));

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    api = new ApiFixture(dir, Map.of());
    agentCredential = api.identity.issueCredential(api.admin, ApiFixture.AGENT).secret();
  }

  @AfterAll
  void stop() throws Exception {
    api.close();
  }

  Stream<Arguments> badBodies() {
    List<Arguments> cases = new ArrayList<>();
    for (Route r : BODY_ROUTES) {
      cases.add(Arguments.of(r, null));
      BAD_FOR_ALL.forEach(b -> cases.add(Arguments.of(r, b)));
      WRONG_TYPES.get(r.path()).forEach(b -> cases.add(Arguments.of(r, b)));
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} <- {1}")
  @MethodSource("badBodies")
  void badBody_isInvalidInputSayingWhatIsExpected(Route route, String body) throws Exception {
    ApiFixture.Response r = api.post(route.asAgent() ? agentCredential : api.adminToken, route.path(), body);

    assertThat(r.status()).as(r.text()).isEqualTo(400);
    assertThat(r.body().path("code").asText()).isEqualTo("invalid_input");
    assertThat(r.body().path("message").asText()).as(r.text()).contains(route.expects());
  }

  /** Routes that take no body ignore it: junk never makes them fail with a 500. */
  @Test
  void routesWithoutBody_ignoreJunkBodies() throws Exception {
    List<String> paths = List.of("/api/v1/changes/nope/approve", "/api/v1/changes/nope/merge",
        "/api/v1/changes/nope/close", "/api/v1/agents/nope/credentials");
    for (String path : paths) {
      for (String body : List.of("null", "[]", "{", "5")) {
        ApiFixture.Response r = api.post(api.adminToken, path, body);
        assertThat(r.status()).as(path + " <- " + body + ": " + r.text()).isBetween(400, 499);
        assertThat(r.body().path("code").asText()).isIn("not_found", "forbidden", "conflict", "invalid_input");
      }
    }
  }

  @Test
  void goodBodies_stillWork() throws Exception {
    assertThat(api.post(api.adminToken, "/api/v1/users", "{\"name\": \"bo\", \"role\": \"viewer\", \"teams\": [\"a\"]}")
        .status()).isEqualTo(201);
    ApiFixture.Response token = api.post(agentCredential, "/api/v1/tokens",
        "{\"session\": \"s1\", \"tools\": [], \"usd_budget\": \"2.50\", \"ttl_seconds\": 60}");
    assertThat(token.status()).as(token.text()).isEqualTo(201);
    assertThat(api.post(agentCredential, "/api/v1/tokens", "{\"session\": \"s1\", \"usd_budget\": 2.5, \"ttl_seconds\": 60.0}")
        .status()).isEqualTo(201);
    ApiFixture.Response change = api.post(api.adminToken, "/api/v1/changes",
        "{\"title\": \"readme\", \"files\": {\"notes.md\": \"hello\\n\"}}");
    assertThat(change.status()).as(change.text()).isIn(201, 400);
    assertThat(change.body().path("code").asText()).isNotEqualTo("internal_error");
  }
}
