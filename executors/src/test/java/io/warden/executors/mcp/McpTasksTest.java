package io.warden.executors.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.core.approval.Approval;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MCP tasks (protocol 2025-11-25) on the gateway: a task-augmented {@code tools/call} answers at once;
 * a held call's task is its approval, so a client that went away (even across a Warden restart) reads
 * the outcome later with {@code tasks/get} and {@code tasks/result}. The MCP Java SDK 2.1.0 has no
 * tasks, so this test speaks the JSON-RPC itself.
 */
@Timeout(120)
class McpTasksTest extends McpFixtureTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  /** One MCP session spoken by hand. */
  private final class Session {
    final String id;
    final JsonNode initialized;

    Session() throws Exception {
      HttpResponse<String> r = send(null, "initialize", "{\"protocolVersion\":\"2025-11-25\"}");
      id = r.headers().firstValue("Mcp-Session-Id").orElseThrow();
      initialized = JSON.readTree(r.body()).path("result");
    }

    JsonNode call(String method, String params) throws Exception {
      HttpResponse<String> r = send(id, method, params);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      return JSON.readTree(r.body());
    }
  }

  private HttpResponse<String> send(String session, String method, String params) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.server.actualPort()
            + McpGateway.PATH))
        .header("Authorization", "Bearer " + f.credential).header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" + method
            + "\",\"params\":" + params + "}"));
    if (session != null) {
      b.header("Mcp-Session-Id", session);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static final String PAY_AS_TASK = "{\"name\":\"pay-invoice\",\"arguments\":{\"supplier\":\"acme\","
      + "\"amount_usd\":5000},\"task\":{\"ttl\":60000}}";

  @Test
  void capabilities_andTools_announceTasks() throws Exception {
    Session s = new Session();
    assertThat(s.initialized.at("/capabilities/tasks/requests/tools/call").isObject()).isTrue();
    assertThat(s.initialized.at("/capabilities/tasks/list").isObject()).isTrue();
    assertThat(s.initialized.at("/capabilities/tasks/cancel").isMissingNode()).isTrue();
    JsonNode tools = s.call("tools/list", "{}").at("/result/tools");
    assertThat(tools).isNotEmpty().allSatisfy(t ->
        assertThat(t.at("/execution/taskSupport").asText()).isEqualTo("optional"));
  }

  @Test
  void heldCallAsTask_answersAtOnce_andTheOutcomeIsReadLater_evenAfterARestart() throws Exception {
    Session s = new Session();
    JsonNode created = s.call("tools/call", PAY_AS_TASK).at("/result/task");
    Approval held = f.approvals.list(Approval.Status.PENDING, McpFixture.AGENT).getFirst();
    assertThat(created.path("taskId").asText()).isEqualTo(held.id());
    assertThat(created.path("status").asText()).isEqualTo("working");
    assertThat(created.path("statusMessage").asText()).startsWith("held for approval " + held.id());
    assertThat(created.path("ttl").asLong()).isEqualTo(McpFixture.APPROVAL_TIMEOUT.toMillis());

    f.restart(); // the client's session is gone with it; the approval is not
    Session later = new Session();
    assertThat(later.call("tasks/get", "{\"taskId\":\"" + held.id() + "\"}").at("/result/status").asText())
        .isEqualTo("working");
    assertThat(later.call("tasks/list", "{}").at("/result/tasks/0/taskId").asText()).isEqualTo(held.id());

    CompletableFuture<JsonNode> result = CompletableFuture.supplyAsync(() -> {
      try {
        return later.call("tasks/result", "{\"taskId\":\"" + held.id() + "\"}");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, f.callers);
    assertThat(f.upstream.payments).hasValue(0);
    f.approvals.approve(f.approver, held.id(), "checked");

    JsonNode r = result.get(30, TimeUnit.SECONDS).path("result");
    assertThat(r.at("/content/0/text").asText()).isEqualTo("paid 5000 USD to acme");
    assertThat(r.at("/_meta/io.modelcontextprotocol~1related-task/taskId").asText()).isEqualTo(held.id());
    JsonNode done = later.call("tasks/get", "{\"taskId\":\"" + held.id() + "\"}").path("result");
    assertThat(done.path("status").asText()).isEqualTo("completed");
    assertThat(done.path("statusMessage").asText()).isEqualTo("approved by user:alice; executed");
    assertThat(f.upstream.payments).hasValue(1);
  }

  @Test
  void deniedHeldTask_fails_withTheDenialAsItsResult() throws Exception {
    Session s = new Session();
    String taskId = s.call("tools/call", PAY_AS_TASK).at("/result/task/taskId").asText();
    f.approvals.deny(f.approver, taskId, "supplier not verified");

    JsonNode task = s.call("tasks/get", "{\"taskId\":\"" + taskId + "\"}").path("result");
    assertThat(task.path("status").asText()).isEqualTo("failed");
    assertThat(task.path("statusMessage").asText()).isEqualTo("denied by user:alice: supplier not verified");
    JsonNode r = s.call("tasks/result", "{\"taskId\":\"" + taskId + "\"}").path("result");
    assertThat(r.path("isError").asBoolean()).isTrue();
    assertThat(r.at("/content/0/text").asText()).contains("was denied by user:alice: supplier not verified");
    assertThat(f.upstream.payments).hasValue(0);
  }

  @Test
  void allowedCallAsTask_completes_andUnknownOrCancelledTasksAreClearErrors() throws Exception {
    Session s = new Session();
    JsonNode created = s.call("tools/call", "{\"name\":\"ledger-read\",\"arguments\":{\"account\":\"4711\"},"
        + "\"task\":{\"ttl\":1000}}").at("/result/task");
    String taskId = created.path("taskId").asText();
    assertThat(taskId).startsWith("mcptask_");
    JsonNode r = s.call("tasks/result", "{\"taskId\":\"" + taskId + "\"}").path("result");
    assertThat(r.at("/content/0/text").asText()).isEqualTo("balance of 4711: 100.00 USD");
    await().atMost(Duration.ofSeconds(10)).until(() -> s.call("tasks/get", "{\"taskId\":\"" + taskId + "\"}")
        .at("/result/status").asText().equals("completed"));

    JsonNode unknown = s.call("tasks/get", "{\"taskId\":\"apr_000000000000000000000000\"}");
    assertThat(unknown.at("/error/code").asInt()).isEqualTo(-32602);
    assertThat(unknown.at("/error/message").asText()).startsWith("unknown task 'apr_000000000000000000000000'");
    JsonNode cancel = s.call("tasks/cancel", "{\"taskId\":\"" + taskId + "\"}");
    assertThat(cancel.at("/error/message").asText()).startsWith("tasks cannot be cancelled here");
  }
}
