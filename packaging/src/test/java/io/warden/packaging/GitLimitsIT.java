package io.warden.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Git request bodies against the packaged appliance: a gzip bomb sent by a viewer to
 * {@code git-upload-pack} is refused at {@code git.max_push_bytes} without growing the heap, and a
 * push over the limit made with the real git client fails with a message naming the setting.
 */
@Timeout(300)
class GitLimitsIT extends ApplianceTestBase {

  @Test
  void gzipBombToUploadPack_refused413AtTheLimit_heapStaysFlat() throws Exception {
    warden = WardenProcess.start(tmp.resolve("data"));
    String admin = warden.adminToken();
    String viewer = createUser(admin, "vera", "viewer", List.of());
    // 140 gzip members of 8 MiB of want lines: 1.1 GiB inflated, about 1 MiB on the wire.
    String want = "0032want " + "0".repeat(40) + "\n";
    byte[] member = gzip(want.repeat((8 << 20) / want.length()).getBytes(StandardCharsets.US_ASCII));
    ByteArrayOutputStream bomb = new ByteArrayOutputStream();
    for (byte[] m : Collections.nCopies(140, member)) {
      bomb.write(m);
    }

    long heapBefore = heapUsed(admin);
    long started = System.nanoTime();
    HttpResponse<String> refused = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(warden.uri("/git/warden.git/git-upload-pack"))
            .header("Authorization", basic(viewer))
            .header("Content-Type", "application/x-git-upload-pack-request")
            .header("Content-Encoding", "gzip")
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofByteArray(bomb.toByteArray())).build(),
        HttpResponse.BodyHandlers.ofString());
    long refusedMs = (System.nanoTime() - started) / 1_000_000;
    long heapAfter = heapUsed(admin);

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(413);
    JsonNode error = WardenProcess.JSON.readTree(refused.body());
    assertThat(error.path("code").asText()).isEqualTo("too_large");
    assertThat(error.path("message").asText()).contains("git.max_push_bytes").contains("33554432 bytes (32 MiB)");
    System.out.printf("gzip bomb (%d bytes, 1.1 GiB inflated) to git-upload-pack: %d in %d ms, heap used %d -> %d MiB (%+d MiB)%n",
        bomb.size(), refused.statusCode(), refusedMs, heapBefore >> 20, heapAfter >> 20, (heapAfter - heapBefore) >> 20);
    // Never buffered: the old server held the inflated body (up to 256 MiB, grown by doubling).
    assertThat(heapAfter - heapBefore).isLessThan(128L << 20);
    // The API still answers afterwards, and so does git.
    assertThat(warden.get(viewer, "/api/v1/agents").status()).isEqualTo(200);
    git(tmp, 0, "clone", "-q", warden.gitUrl(viewer), tmp.resolve("clone").toString());
  }

  @Test
  void pushOverMaxPushBytes_realGit_refusedNamingTheSetting() throws Exception {
    warden = WardenProcess.start(tmp.resolve("data"), Map.of("WARDEN_GIT_MAX_PUSH_BYTES", Integer.toString(1 << 20)));
    String alice = createUser(warden.adminToken(), "alice", "author", List.of());
    Path work = tmp.resolve("work");
    git(tmp, 0, "clone", "-q", warden.gitUrl(alice), work.toString());
    git(work, 0, "config", "user.name", "Alice");
    git(work, 0, "config", "user.email", "alice@example.com");
    Random random = new Random(11);
    for (int i = 0; i < 12; i++) {
      byte[] noise = new byte[256 << 10];
      random.nextBytes(noise);
      Files.write(work.resolve("tools/noise-" + i + ".bin"), noise);
    }
    git(work, 0, "add", "tools");
    git(work, 0, "commit", "-qm", "Add 3 MiB of noise");

    long started = System.nanoTime();
    Result push = git(work, 1, "push", "origin", "HEAD:refs/heads/noise");
    long refusedMs = (System.nanoTime() - started) / 1_000_000;
    System.out.printf("3 MiB push over a 1 MiB git.max_push_bytes: refused in %d ms:%n%s%n", refusedMs, push.output());
    assertThat(push.output()).contains("git.max_push_bytes").contains("over the limit of 1048576 bytes (1 MiB)");
    assertThat(warden.get(alice, "/api/v1/changes").body().path("changes")).isEmpty();
    Result remote = git(work, 0, "ls-remote", "origin");
    assertThat(remote.output()).doesNotContain("refs/heads/noise");

    // The connection and the server are fine: a small push right after opens its change request.
    git(work, 0, "reset", "-q", "--hard", "HEAD~1");
    Files.writeString(work.resolve("tools/small.md"), "small\n");
    git(work, 0, "add", "tools/small.md");
    git(work, 0, "commit", "-qm", "Add a small file");
    assertThat(git(work, 0, "push", "origin", "HEAD:refs/heads/small").output()).contains("change request #1 opened");
  }

  private long heapUsed(String token) throws Exception {
    String metrics = warden.get(token, "/metrics").body().asText();
    long sum = 0;
    for (String line : metrics.split("\n")) {
      if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
        sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    assertThat(sum).as("heap figures in /metrics").isPositive();
    return sum;
  }

  private static String basic(String token) {
    return "Basic " + Base64.getEncoder().encodeToString(("user:" + token).getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] gzip(byte[] data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }
}
