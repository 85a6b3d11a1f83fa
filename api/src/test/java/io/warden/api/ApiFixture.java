package io.warden.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.vertx.core.Vertx;
import io.warden.core.audit.AuditLog;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.health.HealthIndicator;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.Principal;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.SyncStatus;
import io.warden.core.store.StateStore;
import io.warden.gitops.ChangeRequests;
import io.warden.gitops.GitSmartHttp;
import io.warden.gitops.Reconciler;
import io.warden.gitops.WardenRepository;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real API on an OS-chosen port, wired as the appliance wires it (real identity service, audit
 * log, state store, governance repository and change requests; no OPA, no trace store), for tests
 * that talk HTTP to it.
 */
final class ApiFixture implements AutoCloseable {
  static final String AGENT = "payments-bot";

  final StateStore state;
  final AuditLog audit;
  final Inventory inventory = Inventory.create();
  final io.warden.tracestore.IngestRejections rejections =
      io.warden.tracestore.IngestRejections.create(Clock.systemUTC());
  final IdentityService identity;
  final WardenRepository repo;
  final ChangeRequests changes;
  final Vertx vertx = Vertx.vertx();
  final ApiServer api;
  final String adminToken;
  final Principal admin;
  final Path auditFile;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule());

  record Response(int status, Map<String, List<String>> headers, String text, JsonNode body) {}

  ApiFixture(Path dir, Map<String, ? extends HealthIndicator> health) throws Exception {
    this(dir, health, List.of());
  }

  ApiFixture(Path dir, Map<String, ? extends HealthIndicator> health, List<ApiRoutes> more) throws Exception {
    Clock clock = Clock.systemUTC();
    state = StateStore.open(dir.resolve("state.mv"));
    auditFile = dir.resolve("audit.log");
    audit = AuditLog.open(auditFile);
    identity = IdentityService.create(state, audit, inventory, dir.resolve("keys/signing.key"), clock);
    adminToken = identity.bootstrapAdmin().orElseThrow().secret();
    admin = identity.authenticate(adminToken);
    repo = WardenRepository.open(dir.resolve("git/warden.git"), WardenRepository.defaultSeed(), audit);
    changes = ChangeRequests.create(repo, state, audit, ChangeRequests.defaultChecks(), clock);
    Reconciler reconciler = Reconciler.create(repo, inventory, List.of(), List.of(), audit, clock);
    inventory.replace("c0ffee", List.of(agent(AGENT)));
    List<ApiRoutes> routes = new java.util.ArrayList<>(List.of(
        new IdentityRoutes(identity, clock),
        new AgentRoutes(inventory, reconciler, identity, rejections),
        new ChangeRoutes(changes),
        new AuditRoutes(audit),
        new GitRoutes(GitSmartHttp.create(repo, changes))));
    routes.addAll(more);
    api = new ApiServer("127.0.0.1", 0, identity, json,
        HealthRoutes.of(health).withFacts(() -> Map.of("agents", inventory.list().size())), routes);
    vertx.deployVerticle(api).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static AgentState agent(String name) {
    AgentDescriptor d = new AgentDescriptor(AgentDescriptor.API_VERSION, AgentDescriptor.KIND,
        new AgentDescriptor.Metadata(name, "platform", Map.of()),
        new AgentDescriptor.Spec(null, null, List.of("mcp://gateway/ledger-read"), null, null, null, null, null, null,
            List.of()));
    return new AgentState(d, "rev1", SyncStatus.SYNCED, "", java.time.Instant.now());
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + api.port() + path);
  }

  Response get(String token, String path) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return send(b.build());
  }

  /** GET with HTTP basic auth, as the git client sends it. */
  Response getBasic(String token, String path) throws IOException, InterruptedException {
    String basic = Base64.getEncoder().encodeToString(("git:" + token).getBytes(StandardCharsets.UTF_8));
    return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Basic " + basic).GET().build());
  }

  /** POST {@code body} as is (null: no body at all). */
  Response post(String token, String path, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
        .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return send(b.build());
  }

  private Response send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    JsonNode body;
    try {
      body = r.body().isEmpty() ? json.nullNode() : json.readTree(r.body());
    } catch (IOException e) {
      body = json.nullNode();
    }
    return new Response(r.statusCode(), r.headers().map(), r.body(), body);
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    identity.close();
    repo.close();
    audit.close();
    state.close();
  }
}
