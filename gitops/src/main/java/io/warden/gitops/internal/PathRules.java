package io.warden.gitops.internal;

import io.warden.core.descriptor.DescriptorParser;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which paths may exist in the Warden repository. The layout is fixed ({@code agents/},
 * {@code policies/}, {@code tools/}, {@code pricing.yaml}, {@code README.md}) so that every file has
 * an owner that knows how to check it, and traversal tricks ({@code ..}, absolute paths, {@code .git},
 * backslashes) never reach a tree.
 *
 * <p>Internal: unstable API, not for use outside this module.
 */
public final class PathRules {

  /** Largest file accepted anywhere in the repository: {@value} bytes (1 MiB). */
  public static final int MAX_FILE_BYTES = DescriptorParser.MAX_FILE_BYTES;

  /** Longest path accepted, in characters. */
  public static final int MAX_PATH_LENGTH = 512;

  private static final Set<String> DIRECTORIES = Set.of("agents", "policies", "tools", "mcp");
  private static final Set<String> TOP_LEVEL_FILES = Set.of("pricing.yaml", "models.yaml", "README.md");

  private PathRules() {}

  /** What is wrong with {@code path} as a repository path, or empty when it is acceptable. */
  public static Optional<String> problem(String path) {
    if (path == null || path.isEmpty()) {
      return Optional.of("path must not be empty");
    }
    if (path.length() > MAX_PATH_LENGTH) {
      return Optional.of("path is " + path.length() + " characters long: at most " + MAX_PATH_LENGTH
          + " are allowed");
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return Optional.of("path '" + printable(path) + "' contains a control character");
      }
    }
    if (path.indexOf('\\') >= 0) {
      return Optional.of("path '" + path + "' contains a backslash: use '/' as the separator");
    }
    if (path.startsWith("/") || path.matches("^[A-Za-z]:.*") || path.startsWith("~")) {
      return Optional.of("path '" + path
          + "' is absolute: give a path relative to the repository root, e.g. agents/my-agent.yaml");
    }
    String[] segments = path.split("/", -1);
    for (String segment : segments) {
      if (segment.isEmpty()) {
        return Optional.of("path '" + path + "' has an empty segment (a doubled or trailing '/')");
      }
      if (segment.equals(".") || segment.equals("..")) {
        return Optional.of("path '" + path + "' contains '" + segment
            + "': paths must stay inside the repository");
      }
      // Case-insensitive: .GIT is .git on Windows and macOS file systems.
      if (segment.toLowerCase(Locale.ROOT).equals(".git")) {
        return Optional.of("path '" + path + "' contains a .git component, which git reserves");
      }
    }
    boolean inDirectory = segments.length >= 2 && DIRECTORIES.contains(segments[0]);
    boolean topLevel = segments.length == 1 && TOP_LEVEL_FILES.contains(path);
    if (!inDirectory && !topLevel) {
      return Optional.of("path '" + path + "' is outside the repository layout: files go under "
          + "agents/, policies/, tools/ or mcp/, or are pricing.yaml, models.yaml or README.md");
    }
    return Optional.empty();
  }

  /** What is wrong with a file's size, or empty when it fits. */
  public static Optional<String> sizeProblem(long bytes) {
    if (bytes > MAX_FILE_BYTES) {
      return Optional.of("file is " + bytes + " bytes: at most " + MAX_FILE_BYTES
          + " bytes (1 MiB) are allowed; split it or move large data out of the repository");
    }
    return Optional.empty();
  }

  /** True for {@code agents/<name>.yaml} directly under {@code agents/}. */
  public static boolean isAgentDescriptor(String path) {
    return path.startsWith("agents/") && path.endsWith(".yaml") && path.indexOf('/', 7) < 0
        && path.length() > "agents/.yaml".length();
  }

  /** The descriptor path of an agent: {@code agents/<name>.yaml}. */
  public static String agentPath(String agent) {
    return "agents/" + agent + ".yaml";
  }

  /** The agent name a descriptor path implies ({@code agents/x.yaml} gives {@code x}). */
  public static String agentNameOf(String path) {
    String file = path.substring(path.lastIndexOf('/') + 1);
    return file.endsWith(".yaml") ? file.substring(0, file.length() - 5) : file;
  }

  private static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      sb.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return sb.toString();
  }
}
