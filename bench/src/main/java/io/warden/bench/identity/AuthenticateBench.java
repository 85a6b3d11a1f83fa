package io.warden.bench.identity;

import io.warden.core.WardenException;
import io.warden.core.audit.AuditLog;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.identity.AgentPrincipal;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.Principal;
import io.warden.core.identity.TokenScope;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.SyncStatus;
import io.warden.core.store.StateStore;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * What checking a credential costs, with JMH: an agent credential, a scoped token minted from it, a
 * user token and an unknown token, each against the floor every bearer scheme pays — one SHA-256 of
 * a 256-bit secret. The throttling of failed authentications rests on valid checks being cheap, so
 * the ratios are what to watch. Run with {@code ./warden bench identity}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
public class AuthenticateBench {
  private static final String AGENT = "bench-agent";

  private Path dir;
  private StateStore state;
  private AuditLog audit;
  private IdentityService identity;
  private String credential;
  private String scopedToken;
  private String userToken;
  private byte[] secretBytes;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("warden-auth-bench-");
    state = StateStore.open(dir.resolve("state.mv"));
    audit = AuditLog.open(dir.resolve("audit.log"));
    Inventory inventory = Inventory.create();
    inventory.replace("bench", List.of(new AgentState(new AgentDescriptor(AgentDescriptor.API_VERSION,
        AgentDescriptor.KIND, new AgentDescriptor.Metadata(AGENT, "bench", Map.of()),
        new AgentDescriptor.Spec(null, null, List.of(), null, null, null, null, null, null, List.of())),
        "bench", SyncStatus.SYNCED, "", Instant.EPOCH)));
    identity = IdentityService.create(state, audit, inventory, dir.resolve("signing.key"), Clock.systemUTC());
    userToken = identity.bootstrapAdmin().orElseThrow().secret();
    Principal admin = identity.authenticate(userToken);
    credential = identity.issueCredential(admin, AGENT).secret();
    AgentPrincipal agent = (AgentPrincipal) identity.authenticate(credential);
    scopedToken = identity.mintToken(agent, AGENT, new TokenScope("bench-session", Set.of(),
        BigDecimal.ONE, Instant.now().plusSeconds(3600), List.of()));
    secretBytes = credential.getBytes(StandardCharsets.UTF_8);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    audit.close();
    state.close();
  }

  /** The floor: one SHA-256 of the secret, what any hashed-secret check costs. */
  @Benchmark
  public byte[] sha256Floor() throws NoSuchAlgorithmException {
    return MessageDigest.getInstance("SHA-256").digest(secretBytes);
  }

  @Benchmark
  public Principal agentCredential() {
    return identity.authenticate(credential);
  }

  @Benchmark
  public Principal scopedToken() {
    return identity.authenticate(scopedToken);
  }

  @Benchmark
  public Principal userToken() {
    return identity.authenticate(userToken);
  }

  /** A token nobody issued: what a flood of bad tokens costs per request (audit included). */
  @Benchmark
  public Object unknownToken() {
    try {
      return identity.authenticate("wdn_not-a-real-token-0123456789abcdef0123456789abcdef");
    } catch (WardenException expected) {
      return expected;
    }
  }

  public static void main(String[] args) throws Exception {
    Collection<RunResult> results = new Runner(new OptionsBuilder()
        .include(AuthenticateBench.class.getName() + "\\.")
        .build()).run();
    double floor = results.stream()
        .filter(r -> r.getParams().getBenchmark().endsWith(".sha256Floor"))
        .mapToDouble(r -> r.getPrimaryResult().getScore()).findFirst().orElseThrow();
    System.out.println();
    System.out.println("authentication cost per call, and its ratio to one SHA-256 of the secret:");
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      double us = r.getPrimaryResult().getScore();
      System.out.printf(Locale.ROOT, "  %-16s %10.2f us  x%.1f%n", name.substring(name.lastIndexOf('.') + 1), us, us / floor);
    }
  }
}
