package io.warden.policy.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.core.Problem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs the real {@code opa} binary's {@code check} and {@code test} on a set of Rego files written
 * to a fresh temporary directory as {@code <tmp>/policies/...}, so OPA's own messages name the
 * repository paths ({@code policies/x.rego:3}). Also enforces the package rule: every package is
 * {@code warden} or under it, and none is under the reserved {@code warden.main}.
 *
 * <p>Internal: not public API.
 */
public final class OpaCli {

  /** Repository directory of policies; also the directory name inside the temporary tree. */
  public static final String POLICIES_DIR = "policies";

  /** Data path reserved for {@link io.warden.policy.api.MainDataV1}. */
  public static final String RESERVED_PACKAGE = "warden.main";

  private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([^\\s#]+)");

  private final Path binary;
  private final Duration timeout;
  private final ObjectMapper json;
  // opa check/test are CPU-bound; do not let a burst of change requests swamp the machine.
  private final Semaphore running = new Semaphore(2);

  public OpaCli(Path binary, Duration timeout, ObjectMapper json) {
    this.binary = Objects.requireNonNull(binary, "binary");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.json = Objects.requireNonNull(json, "json");
  }

  public Path binary() {
    return binary;
  }

  /** Whether a repository path is a Rego file under {@code policies/}. */
  public static boolean isRego(String path) {
    return path.startsWith(POLICIES_DIR + "/") && path.endsWith(".rego");
  }

  /** Whether a Rego path is a test file ({@code *_test.rego}), which is never pushed to OPA. */
  public static boolean isTest(String path) {
    return path.endsWith("_test.rego");
  }

  /**
   * Package rule, then {@code opa check}, then (only if {@code runTests} and all else passed)
   * {@code opa test}. Returns every problem found; empty means the set is good.
   *
   * @param files repository path ({@code policies/...rego}) to source text
   */
  public List<Problem> verify(Map<String, String> files, boolean runTests) {
    List<Problem> problems = new ArrayList<>(packageProblems(files));
    if (files.isEmpty()) {
      return problems;
    }
    Path dir = materialise(files);
    try {
      problems.addAll(check(dir));
      if (problems.isEmpty() && runTests) {
        problems.addAll(test(dir));
      }
      return problems;
    } finally {
      deleteTree(dir);
    }
  }

  /** Every file's package must be {@code warden} or {@code warden.*}, and not {@value #RESERVED_PACKAGE}. */
  static List<Problem> packageProblems(Map<String, String> files) {
    List<Problem> out = new ArrayList<>();
    files.forEach((path, text) -> {
      String[] lines = text.split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        Matcher m = PACKAGE.matcher(lines[i]);
        if (m.find()) {
          String pkg = m.group(1);
          int col = m.start(1) + 1;
          if (!pkg.equals("warden") && !pkg.startsWith("warden.")) {
            out.add(new Problem(path, i + 1, col, "", "package " + pkg
                + " is outside warden.*: Warden's policies live under package warden (e.g. warden.admission, warden.runtime)"));
          } else if (pkg.equals(RESERVED_PACKAGE) || pkg.startsWith(RESERVED_PACKAGE + ".")) {
            out.add(new Problem(path, i + 1, col, "", "package " + pkg
                + " is reserved: data.warden.main holds main's agents and tool allow-list; choose another package"));
          }
          return; // only the first package statement counts; opa check reports anything else
        }
      }
    });
    return out;
  }

  private List<Problem> check(Path dir) {
    Result r = run(dir, "check", "--format", "json", POLICIES_DIR);
    if (r.exit == 0) {
      return List.of();
    }
    return located(r, r.stderr, "opa check");
  }

  private List<Problem> test(Path dir) {
    Result r = run(dir, "test", "--format", "json", POLICIES_DIR);
    if (r.exit == 0) {
      return List.of();
    }
    JsonNode results;
    try {
      results = json.readTree(r.stdout);
    } catch (IOException e) {
      results = null;
    }
    if (results == null || !results.isArray()) {
      return located(r, r.stderr.isBlank() ? r.stdout : r.stderr, "opa test");
    }
    List<Problem> out = new ArrayList<>();
    for (JsonNode t : results) {
      String name = t.path("package").asText() + "." + t.path("name").asText();
      JsonNode loc = t.path("location");
      if (t.has("error")) {
        JsonNode err = t.path("error");
        JsonNode at = err.path("location").isMissingNode() ? loc : err.path("location");
        out.add(new Problem(fileOf(at, loc), at.path("row").asInt(0), at.path("col").asInt(0), "",
            "test " + name + " errored: " + err.path("code").asText() + ": " + err.path("message").asText()));
      } else if (t.path("fail").asBoolean(false)) {
        out.add(new Problem(fileOf(loc, loc), loc.path("row").asInt(0), loc.path("col").asInt(0), "",
            "test " + name + " failed"));
      }
    }
    if (out.isEmpty()) {
      out.add(Problem.ofFile(POLICIES_DIR, "opa test exited with " + r.exit + ": " + firstLines(r.stderr + r.stdout)));
    }
    return out;
  }

  /** OPA's {@code {"errors": [...]}} output as problems; unparseable output becomes one problem. */
  private List<Problem> located(Result r, String output, String what) {
    try {
      JsonNode node = json.readTree(output);
      if (node != null && node.has("errors")) {
        List<Problem> out = new ArrayList<>();
        for (OpaException.OpaError e : OpaClient.errors(node)) {
          out.add(new Problem(e.file().isEmpty() ? POLICIES_DIR : e.file(), Math.max(0, e.row()),
              Math.max(0, e.col()), "", e.code() + ": " + e.message()));
        }
        if (!out.isEmpty()) {
          return out;
        }
      }
    } catch (IOException e) {
      // fall through: not JSON
    }
    return List.of(Problem.ofFile(POLICIES_DIR, what + " exited with " + r.exit + ": " + firstLines(output)));
  }

  private static String fileOf(JsonNode at, JsonNode fallback) {
    String f = at.path("file").asText("");
    return f.isEmpty() ? fallback.path("file").asText(POLICIES_DIR) : f;
  }

  private static String firstLines(String s) {
    String t = s.strip();
    return t.length() > 2000 ? t.substring(0, 2000) + "..." : t;
  }

  private record Result(int exit, String stdout, String stderr) {}

  private Result run(Path dir, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.toString());
    cmd.addAll(List.of(args));
    Path out = dir.resolve(".stdout");
    Path err = dir.resolve(".stderr");
    try {
      running.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting to run opa " + args[0], e);
    }
    try {
      Process p = new ProcessBuilder(cmd).directory(dir.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "", "opa " + args[0] + " did not finish within " + timeout.toSeconds()
            + " s; a policy or test may loop or be very slow");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + binary + " " + args[0]
          + ": " + e.getMessage() + " (install OPA with scripts/install.sh)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running opa " + args[0], e);
    } finally {
      running.release();
    }
  }

  private static Path materialise(Map<String, String> files) {
    try {
      Path dir = Files.createTempDirectory("warden-policies-");
      for (Map.Entry<String, String> e : files.entrySet()) {
        Path target = dir.resolve(e.getKey()).normalize();
        if (!target.startsWith(dir.resolve(POLICIES_DIR))) {
          throw new IllegalArgumentException("policy path escapes policies/: " + e.getKey());
        }
        Files.createDirectories(target.getParent());
        Files.writeString(target, e.getValue(), StandardCharsets.UTF_8);
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write policies to a temporary directory: " + e.getMessage(), e);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temporary directory is harmless
    }
  }
}
