package io.warden.gitops.check;

import io.warden.core.Problem;
import io.warden.core.change.ChangeCheck;
import io.warden.core.change.CheckResult;
import io.warden.core.change.FileChange;
import io.warden.core.change.ProposedChange;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.descriptor.DescriptorParser;
import io.warden.core.yaml.LocatedYaml;
import io.warden.gitops.internal.PathRules;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks that hold across files of the proposed tree: no two descriptors declare the same agent
 * name, and every {@code spec.delegates} entry names an agent that exists — including after this
 * change deletes one. Problems are reported only where this change is to blame (a file it touched,
 * or an agent it deletes), so a pre-existing problem on {@code main} does not block unrelated work.
 * Descriptors that do not parse are left to {@link SchemaCheck}; their file name stands in for
 * their agent name so they cause no spurious "does not exist" problems.
 */
public final class CrossFileCheck implements ChangeCheck {

  public static final String NAME = "cross-file";

  private final DescriptorParser parser;

  private CrossFileCheck(DescriptorParser parser) {
    this.parser = parser;
  }

  public static CrossFileCheck create() {
    return new CrossFileCheck(DescriptorParser.create());
  }

  public static CrossFileCheck create(DescriptorParser parser) {
    return new CrossFileCheck(Objects.requireNonNull(parser, "parser"));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CheckResult run(ProposedChange change) {
    Set<String> touched = new HashSet<>();
    for (FileChange file : change.changes()) {
      touched.add(file.path());
    }
    Map<String, Agent> proposed = agents(change.head());
    Set<String> baseNames = new HashSet<>();
    agents(change.base()).values().forEach(a -> baseNames.add(a.name));

    List<Problem> problems = new ArrayList<>();
    Map<String, List<Agent>> byName = new TreeMap<>();
    proposed.values().forEach(a -> byName.computeIfAbsent(a.name, n -> new ArrayList<>()).add(a));
    Set<String> names = byName.keySet();

    for (Map.Entry<String, List<Agent>> entry : byName.entrySet()) {
      List<Agent> declaring = entry.getValue();
      if (declaring.size() < 2 || declaring.stream().noneMatch(a -> touched.contains(a.path))) {
        continue;
      }
      // The file named after the agent keeps it; every other declaration is the duplicate.
      String keeper = declaring.stream().map(a -> a.path)
          .filter(p -> p.equals(PathRules.agentPath(entry.getKey()))).findFirst()
          .orElse(declaring.get(0).path);
      for (Agent agent : declaring) {
        if (agent.path.equals(keeper)) {
          continue;
        }
        LocatedYaml.Position at = agent.locations().find("metadata.name").orElse(LocatedYaml.Position.UNKNOWN);
        problems.add(new Problem(agent.path, at.line(), at.column(), "metadata.name",
            "agent name '" + entry.getKey() + "' is already declared in " + keeper
                + ": each agent needs exactly one file"));
      }
    }

    for (Agent agent : proposed.values()) {
      if (agent.descriptor == null) {
        continue;
      }
      List<String> delegates = agent.descriptor.spec().delegates();
      for (int i = 0; i < delegates.size(); i++) {
        String delegate = delegates.get(i);
        if (names.contains(delegate)) {
          continue;
        }
        boolean deletedHere = baseNames.contains(delegate);
        if (!deletedHere && !touched.contains(agent.path)) {
          continue;
        }
        LocatedYaml.Position at = agent.locations().find("spec.delegates[" + i + "]").orElse(LocatedYaml.Position.UNKNOWN);
        String message = deletedHere
            ? "delegates to '" + delegate + "', which this change deletes (" + PathRules.agentPath(delegate)
                + "): remove the delegation or keep the agent"
            : "delegates to '" + delegate + "', but no agent has that name: add "
                + PathRules.agentPath(delegate) + " or remove it from spec.delegates";
        problems.add(new Problem(agent.path, at.line(), at.column(), "spec.delegates[" + i + "]", message));
      }
    }
    problems.sort(java.util.Comparator.comparing(Problem::file).thenComparingInt(Problem::line));
    return problems.isEmpty()
        ? CheckResult.passed(NAME, proposed.size() + " agent" + (proposed.size() == 1 ? "" : "s")
            + ": names unique, every delegate exists")
        : CheckResult.failed(NAME, problems);
  }

  private Map<String, Agent> agents(RepoSnapshot tree) {
    Map<String, Agent> out = new TreeMap<>();
    tree.under("agents/").forEach((path, content) -> {
      if (!PathRules.isAgentDescriptor(path)) {
        return;
      }
      AgentDescriptor descriptor = null;
      if (PathRules.sizeProblem(content.length).isEmpty()) {
        DescriptorParser.Result result = parser.parse(path, content);
        descriptor = result.ok() ? result.descriptor() : null;
      }
      String name = descriptor != null ? descriptor.name() : PathRules.agentNameOf(path);
      out.put(path, new Agent(path, name, descriptor, content));
    });
    return out;
  }

  private static final class Agent {
    final String path;
    final String name;
    final AgentDescriptor descriptor;
    final byte[] content;
    private LocatedYaml locations;

    Agent(String path, String name, AgentDescriptor descriptor, byte[] content) {
      this.path = path;
      this.name = name;
      this.descriptor = descriptor;
      this.content = content;
    }

    LocatedYaml locations() {
      if (locations == null) {
        locations = LocatedYaml.read(path, content);
      }
      return locations;
    }
  }
}
