package io.warden.packaging.cli;

import io.warden.packaging.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * Walks the whole command tree and runs {@code --help} and {@code -h} on every command, in-process.
 * {@link CommandTreeTest} uses it on the test class path; the client-class-path IT runs {@link #main}
 * in a JVM with only the short class path the launcher gives client commands (no JUnit there).
 */
public final class HelpTree {
  private HelpTree() {}

  /** Every command's path below {@code warden}, the root first. */
  public static List<List<String>> paths() {
    List<List<String>> out = new ArrayList<>();
    collect(Main.commandLine(), new ArrayList<>(), out);
    return out;
  }

  /** What is wrong with {@code warden <path> <flag>}, or null when it printed its usage and exited 0. */
  public static String problem(List<String> path, String flag) {
    List<String> args = new ArrayList<>(path);
    args.add(flag);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args.toArray(String[]::new));
    String usage = "Usage: warden" + (path.isEmpty() ? "" : " " + String.join(" ", path));
    if (code != 0 || !out.toString().startsWith(usage) || !err.toString().isEmpty()) {
      return "warden " + String.join(" ", args) + ": exit " + code + "\n" + out + err;
    }
    return null;
  }

  private static void collect(CommandLine cmd, List<String> path, List<List<String>> out) {
    out.add(List.copyOf(path));
    cmd.getSubcommands().forEach((name, sub) -> {
      List<String> next = new ArrayList<>(path);
      next.add(name);
      collect(sub, next, out);
    });
  }

  /** Prints one line per command checked and every problem; exits with the number of problems. */
  public static void main(String[] args) {
    int problems = 0;
    for (List<String> path : paths()) {
      for (String flag : List.of("--help", "-h")) {
        String problem = problem(path, flag);
        System.out.println((problem == null ? "ok   warden " + String.join(" ", path) + " " + flag : "FAIL " + problem));
        problems += problem == null ? 0 : 1;
      }
    }
    System.exit(problems);
  }
}
