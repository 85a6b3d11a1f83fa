package io.warden.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The real {@code git} command line, isolated from the machine's configuration. */
public final class GitCli {

  public record Result(int exit, String stdout, String stderr) {
    public Result ok() {
      if (exit != 0) {
        throw new AssertionError("git failed with exit " + exit + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
      }
      return this;
    }
  }

  private final Path home;

  public GitCli(Path home) {
    this.home = home;
  }

  public Result run(Path cwd, String user, String... args) {
    List<String> command = new ArrayList<>();
    command.add("git");
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
    Map<String, String> env = pb.environment();
    env.put("HOME", home.toString());
    env.put("XDG_CONFIG_HOME", home.toString());
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("GIT_ASKPASS", "");
    env.put("LC_ALL", "C");
    env.put("GIT_AUTHOR_NAME", user);
    env.put("GIT_AUTHOR_EMAIL", user + "@example.com");
    env.put("GIT_COMMITTER_NAME", user);
    env.put("GIT_COMMITTER_EMAIL", user + "@example.com");
    try {
      Path out = Files.createTempFile(home, "git-out", ".txt");
      Path err = Files.createTempFile(home, "git-err", ".txt");
      pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Process process = pb.start();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("git " + String.join(" ", args) + " did not finish in 120 s");
      }
      return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
