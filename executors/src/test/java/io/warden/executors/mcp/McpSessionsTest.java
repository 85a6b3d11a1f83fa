package io.warden.executors.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.warden.testing.MutableClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The gateway's MCP sessions are bounded: idle ones expire, and past the maximum initialize is refused. */
@Timeout(60)
class McpSessionsTest extends McpFixtureTest {
  private final MutableClock clock = new MutableClock(Instant.now());
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    f.rebuildGateway(b -> b.setMaxSessions(2).setSessionIdleTimeout(Duration.ofMinutes(10)).setClock(clock));
  }

  private HttpResponse<String> post(String session, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.server.actualPort()
            + McpGateway.PATH))
        .header("Authorization", "Bearer " + f.credential).header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (session != null) {
      b.header("Mcp-Session-Id", session);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> initialize() throws Exception {
    return post(null, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}");
  }

  private String session() throws Exception {
    HttpResponse<String> r = initialize();
    assertThat(r.statusCode()).isEqualTo(200);
    return r.headers().firstValue("Mcp-Session-Id").orElseThrow();
  }

  private int ping(String session) throws Exception {
    return post(session, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}").statusCode();
  }

  @Test
  void initialize_pastTheMaximum_is503WithAClearError_untilASessionEnds() throws Exception {
    String first = session();
    session();

    HttpResponse<String> refused = initialize();
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Retry-After")).contains("60");
    assertThat(refused.body()).contains("too many MCP sessions open on this gateway (the maximum is 2): end unused"
        + " sessions with DELETE /mcp, or retry later; idle sessions expire after 600 s");
    assertThat(refused.headers().firstValue("Mcp-Session-Id")).isEmpty();

    HttpResponse<Void> ended = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + f.server.actualPort() + McpGateway.PATH)).header("Mcp-Session-Id", first).DELETE().build(),
        HttpResponse.BodyHandlers.discarding());
    assertThat(ended.statusCode()).isEqualTo(200);
    assertThat(ping(first)).isEqualTo(404);
    assertThat(initialize().statusCode()).isEqualTo(200);
  }

  @Test
  void idleSession_expires_andFreesItsPlace() throws Exception {
    String used = session();
    String idle = session();

    clock.advance(Duration.ofMinutes(6));
    assertThat(ping(used)).isEqualTo(200); // use keeps a session alive
    clock.advance(Duration.ofMinutes(6));

    HttpResponse<String> gone = post(idle, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(gone.body()).contains("unknown or expired session " + idle + ": initialize a new one");
    assertThat(ping(used)).isEqualTo(200);
    assertThat(initialize().statusCode()).isEqualTo(200); // the idle one's place is free
  }
}
