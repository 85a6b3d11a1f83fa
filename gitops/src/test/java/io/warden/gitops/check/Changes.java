package io.warden.gitops.check;

import io.warden.core.change.FileChange;
import io.warden.core.change.ProposedChange;
import io.warden.core.change.RepoSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds a {@link ProposedChange} from a base tree and the files a change writes or deletes. */
public final class Changes {
  private final Map<String, byte[]> base = new TreeMap<>();
  private final Map<String, byte[]> head = new TreeMap<>();

  static Changes onMain(Map<String, String> files) {
    Changes c = new Changes();
    files.forEach((p, s) -> c.base.put(p, s.getBytes(StandardCharsets.UTF_8)));
    c.head.putAll(c.base);
    return c;
  }

  Changes write(String path, String content) {
    return write(path, content.getBytes(StandardCharsets.UTF_8));
  }

  Changes write(String path, byte[] content) {
    head.put(path, content);
    return this;
  }

  Changes delete(String path) {
    head.remove(path);
    return this;
  }

  ProposedChange build() {
    List<FileChange> changes = new ArrayList<>();
    for (String path : new java.util.TreeSet<>(java.util.Set.copyOf(concat()))) {
      byte[] before = base.get(path);
      byte[] after = head.get(path);
      if (before == null) {
        changes.add(new FileChange(path, FileChange.Kind.ADDED));
      } else if (after == null) {
        changes.add(new FileChange(path, FileChange.Kind.DELETED));
      } else if (!Arrays.equals(before, after)) {
        changes.add(new FileChange(path, FileChange.Kind.MODIFIED));
      }
    }
    return new ProposedChange("1", "test", "alice", RepoSnapshot.of("base", base), RepoSnapshot.of("head", head),
        changes, List.of());
  }

  private List<String> concat() {
    List<String> all = new ArrayList<>(base.keySet());
    all.addAll(head.keySet());
    return all;
  }

  /** A valid descriptor for {@code name}; {@code extraSpec} lines go under {@code spec:}. */
  public static String agent(String name, String extraSpec) {
    return """
        apiVersion: agent.os/v1
        kind: Agent
        metadata:
          name: %s
          owner: team
        spec:
          model:
            provider: anthropic
            name: claude-opus-4-7
            pinned_revision: "2026-02-14"
        %s""".formatted(name, extraSpec == null ? "" : extraSpec.indent(2));
  }
}
