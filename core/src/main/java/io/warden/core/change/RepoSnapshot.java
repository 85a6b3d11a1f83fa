package io.warden.core.change;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Every file of one commit of the Warden repository, by path. The governance repository holds small
 * text files, so holding a whole tree in memory is the simple and fast choice.
 *
 * @param commit the commit id (hex), or "" for the empty tree
 * @param files repository-relative path to content
 */
public record RepoSnapshot(String commit, SortedMap<String, byte[]> files) {
  public RepoSnapshot {
    Objects.requireNonNull(commit, "commit");
    files = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(files));
  }

  public static RepoSnapshot empty() {
    return new RepoSnapshot("", new TreeMap<>());
  }

  public static RepoSnapshot of(String commit, Map<String, byte[]> files) {
    return new RepoSnapshot(commit, new TreeMap<>(files));
  }

  public Optional<String> text(String path) {
    byte[] content = files.get(path);
    return content == null ? Optional.empty() : Optional.of(new String(content, StandardCharsets.UTF_8));
  }

  /** Files under a directory prefix such as {@code agents/}. */
  public SortedMap<String, byte[]> under(String prefix) {
    TreeMap<String, byte[]> out = new TreeMap<>();
    files.forEach((path, content) -> {
      if (path.startsWith(prefix)) {
        out.put(path, content);
      }
    });
    return out;
  }
}
