package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.testing.TestPorts;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The packaged appliance in a child JVM, started exactly as {@code ./warden run} starts it (same jar,
 * same lib directory, same main class), on free ports and a test data directory. Tests talk to it
 * only over the network and the CLI, as users do.
 */
final class WardenProcess implements AutoCloseable {
  static final ObjectMapper JSON = Appliance.jsonMapper();

  final Path dataDir;
  final int httpPort;
  final int consolePort;
  final Map<String, String> env;
  private final Path logFile;
  /** The CLI command that starts the appliance: {@code run}, or {@code demo} and its options. */
  private List<String> command = List.of("run");
  private Process process;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private WardenProcess(Path dataDir, Map<String, String> extraEnv) throws IOException {
    this.dataDir = dataDir;
    this.httpPort = TestPorts.free();
    this.env = new HashMap<>(extraEnv);
    env.put("WARDEN_DATA", dataDir.toString());
    env.put("WARDEN_HTTP_PORT", Integer.toString(httpPort));
    // Port 0: the OS picks, so parallel builds never collide; tests that send spans set their own.
    env.putIfAbsent("WARDEN_OTLP_GRPC_PORT", "0");
    env.putIfAbsent("WARDEN_OTLP_HTTP_PORT", "0");
    env.putIfAbsent("WARDEN_POLICY_SIDECAR_PORT", "0");
    env.putIfAbsent("WARDEN_CONSOLE_PORT", Integer.toString(TestPorts.free()));
    this.consolePort = Integer.parseInt(env.get("WARDEN_CONSOLE_PORT"));
    this.logFile = dataDir.resolveSibling(dataDir.getFileName() + "-warden.log");
  }

  static WardenProcess start(Path dataDir) throws IOException {
    return start(dataDir, Map.of());
  }

  static WardenProcess start(Path dataDir, Map<String, String> env) throws IOException {
    WardenProcess w = new WardenProcess(dataDir, env);
    w.launch();
    return w;
  }

  /** {@code warden demo} with {@code args}, on free ports and {@code dataDir}; running once /healthz answers. */
  static WardenProcess demo(Path dataDir, String... args) throws IOException {
    WardenProcess w = new WardenProcess(dataDir, Map.of());
    List<String> cmd = new ArrayList<>(List.of("demo", "--data", dataDir.toString()));
    cmd.addAll(List.of(args));
    w.command = List.copyOf(cmd);
    w.launch();
    return w;
  }

  void launch() throws IOException {
    List<String> cmd = new ArrayList<>(cli(command.toArray(String[]::new)));
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .directory(root().toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    pb.environment().putAll(env);
    process = pb.start();
    await("warden /healthz on port " + httpPort).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          if (!process.isAlive()) {
            throw new AssertionError("warden exited with " + process.exitValue() + ":\n" + log());
          }
          try {
            return http.send(HttpRequest.newBuilder(uri("/healthz")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
          } catch (IOException e) {
            return false;
          }
        });
  }

  /** The java command line that runs the packaged CLI with {@code args}. */
  static List<String> cli(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-Dwarden.root=" + root());
    cmd.add("-cp");
    cmd.add(System.getProperty("warden.jar") + File.pathSeparator + System.getProperty("warden.lib") + File.separator + "*");
    cmd.add("io.warden.packaging.Main");
    cmd.addAll(List.of(args));
    return cmd;
  }

  /**
   * The java command line the launcher uses for commands that only call the server: the short class
   * path the build writes to {@code target/client-classpath} (no appliance classes).
   */
  static List<String> clientCli(String... args) throws IOException {
    return clientJava(List.of(), "io.warden.packaging.Main", args);
  }

  /** {@code mainClass} on the client class path plus {@code extra} entries. */
  static List<String> clientJava(List<String> extra, String mainClass, String... args) throws IOException {
    Path lib = Path.of(System.getProperty("warden.lib"));
    List<String> cp = new ArrayList<>(List.of(System.getProperty("warden.jar")));
    for (String jar : Files.readString(lib.resolveSibling("client-classpath")).strip().split(File.pathSeparator)) {
      cp.add(lib.resolveSibling(jar).toString());
    }
    cp.addAll(extra);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Dwarden.root=" + root());
    cmd.add("-cp");
    cmd.add(String.join(File.pathSeparator, cp));
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return cmd;
  }

  static Path root() {
    return Path.of(System.getProperty("warden.root", "..")).toAbsolutePath().normalize();
  }

  /**
   * SIGTERM, as {@code kill PID} or a service manager sends it; waits at most {@code within}.
   *
   * @return the exit code, or empty when the process was still running after {@code within} (then
   *     it is killed)
   */
  java.util.OptionalInt terminate(Duration within) throws InterruptedException {
    process.destroy();
    if (process.waitFor(within.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      return java.util.OptionalInt.of(process.exitValue());
    }
    process.destroyForcibly().waitFor();
    return java.util.OptionalInt.empty();
  }

  /** kill -9: no shutdown hook runs. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  String adminToken() throws IOException {
    return Files.readString(dataDir.resolve("admin-token")).trim();
  }

  String log() {
    try {
      return Files.readString(logFile);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + path);
  }

  /** The console's address (the governance console, port {@code console.port}). */
  String consoleUrl(String path) {
    return "http://127.0.0.1:" + consolePort + path;
  }

  String gitUrl(String token) {
    return "http://user:" + token + "@127.0.0.1:" + httpPort + "/git/warden.git";
  }

  Response get(String token, String path) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
    return send(token, b);
  }

  Response post(String token, String path, Object body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    return send(token, b);
  }

  Response send(String method, String token, String path) throws IOException, InterruptedException {
    return send(token, HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.noBody()));
  }

  private Response send(String token, HttpRequest.Builder b) throws IOException, InterruptedException {
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = http.send(b.timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    JsonNode body;
    try {
      body = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
    } catch (IOException e) {
      body = JSON.getNodeFactory().textNode(r.body());
    }
    return new Response(r.statusCode(), body);
  }

  record Response(int status, JsonNode body) {}

  /**
   * The review path a platform team takes over the API: {@code author} opens a change request with
   * {@code files}, every check must pass, and {@code approver} approves and merges it. Returns its id.
   */
  String mergeChange(String author, String approver, String title, Map<String, String> files)
      throws IOException, InterruptedException {
    Response opened = post(author, "/api/v1/changes", Map.of("title", title, "files", files));
    assertThat(opened.status()).as(opened.body().toString()).isEqualTo(201);
    String id = opened.body().path("id").asText();
    // Checks are recorded when they have run; one that did not pass fails here with its findings.
    JsonNode change = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
        .until(() -> get(author, "/api/v1/changes/" + id).body().path("change"), c -> !ApplianceTestBase.checkStatuses(c).isEmpty());
    assertThat(ApplianceTestBase.checkStatuses(change)).as(change.path("checks").toString()).allMatch("PASSED"::equals);
    assertThat(post(approver, "/api/v1/changes/" + id + "/approve", Map.of()).status()).isEqualTo(200);
    Response merged = post(approver, "/api/v1/changes/" + id + "/merge", Map.of());
    assertThat(merged.status()).as(merged.body().toString()).isEqualTo(200);
    return id;
  }
}
