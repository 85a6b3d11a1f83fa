package io.warden.executors.mcp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ToolInputSchemasTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ToolInputSchemas schemas = new ToolInputSchemas();
  private final AtomicInteger fetches = new AtomicInteger();
  private HttpServer server;

  /** A schema host an upstream could point a $ref at; it counts every request. */
  @BeforeEach
  void startSchemaHost() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      fetches.incrementAndGet();
      byte[] body = "{\"type\":\"string\"}".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/schema+json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private static McpSchema.Tool tool(String schema) {
    return McpSchema.Tool.builder().name("pay-invoice").inputSchema(McpJsonDefaults.getMapper(), schema).build();
  }

  private static JsonNode args(String json) throws Exception {
    return JSON.readTree(json);
  }

  @Test
  void problems_localRefs_areResolvedInsideTheSchema() throws Exception {
    McpSchema.Tool t = tool("{\"type\":\"object\",\"$defs\":{\"usd\":{\"type\":\"number\",\"minimum\":0}},"
        + "\"properties\":{\"amount_usd\":{\"$ref\":\"#/$defs/usd\"}}}");

    assertThat(schemas.problems(t, args("{\"amount_usd\": 5}"))).isEmpty();
    assertThat(schemas.problems(t, args("{\"amount_usd\": -5}"))).singleElement().asString()
        .startsWith("/amount_usd: ");
  }

  @Test
  void problems_declaredMetaSchemas_stillWork() throws Exception {
    for (String meta : new String[] {"https://json-schema.org/draft/2020-12/schema",
        "http://json-schema.org/draft-07/schema#"}) {
      McpSchema.Tool t = tool("{\"$schema\":\"" + meta + "\",\"type\":\"object\",\"required\":[\"supplier\"]}");
      assertThat(schemas.problems(t, args("{}"))).containsExactly("/supplier: required, but missing");
    }
    assertThat(fetches).hasValue(0);
  }

  @Test
  void problems_remoteRef_isRefused_andNeverFetched() {
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/supplier.json";
    McpSchema.Tool t = tool("{\"type\":\"object\",\"properties\":{\"supplier\":{\"$ref\":\"" + url + "\"}}}");

    assertThatThrownBy(() -> schemas.problems(t, args("{\"supplier\": \"acme\"}")))
        .isInstanceOf(ToolInputSchemas.UnusableSchema.class)
        .hasMessage("the upstream's inputSchema of tool 'pay-invoice' refers to " + url + " ($ref), and Warden never"
            + " fetches schemas: the upstream must inline it (in $defs)");
    assertThat(fetches).hasValue(0);
  }

  @Test
  void problems_fileRefAndRemoteSchemaId_areRefused() {
    McpSchema.Tool file = tool("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"file:///etc/passwd\"}}}");
    assertThatThrownBy(() -> schemas.problems(file, args("{\"a\": 1}")))
        .isInstanceOf(ToolInputSchemas.UnusableSchema.class).hasMessageContaining("refers to file:///etc/passwd");

    String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/schemas/";
    McpSchema.Tool relative = tool("{\"$id\":\"" + base + "root.json\",\"type\":\"object\","
        + "\"properties\":{\"a\":{\"$ref\":\"other.json\"}}}");
    assertThatThrownBy(() -> schemas.problems(relative, args("{\"a\": 1}")))
        .isInstanceOf(ToolInputSchemas.UnusableSchema.class).hasMessageContaining("refers to " + base + "other.json");
    assertThat(fetches).hasValue(0);
  }
}
