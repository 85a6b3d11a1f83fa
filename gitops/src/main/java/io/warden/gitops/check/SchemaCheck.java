package io.warden.gitops.check;

import io.warden.core.Problem;
import io.warden.core.change.ChangeCheck;
import io.warden.core.change.CheckResult;
import io.warden.core.change.FileChange;
import io.warden.core.change.ProposedChange;
import io.warden.core.descriptor.DescriptorParser;
import io.warden.core.yaml.LocatedYaml;
import io.warden.gitops.internal.PathRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Every agent descriptor a change adds or modifies parses and validates against the published schema
 * (the parser's located problems are passed through), is at most 1 MiB, and lives in
 * {@code agents/<metadata.name>.yaml}. Anything else under {@code agents/} is refused.
 */
public final class SchemaCheck implements ChangeCheck {

  public static final String NAME = "schema";

  private final DescriptorParser parser;

  private SchemaCheck(DescriptorParser parser) {
    this.parser = parser;
  }

  public static SchemaCheck create() {
    return new SchemaCheck(DescriptorParser.create());
  }

  public static SchemaCheck create(DescriptorParser parser) {
    return new SchemaCheck(Objects.requireNonNull(parser, "parser"));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CheckResult run(ProposedChange change) {
    List<Problem> problems = new ArrayList<>();
    int descriptors = 0;
    for (FileChange file : change.changes()) {
      String path = file.path();
      if (file.kind() == FileChange.Kind.DELETED || !path.startsWith("agents/")) {
        continue;
      }
      if (!PathRules.isAgentDescriptor(path)) {
        problems.add(Problem.ofFile(path, notADescriptor(path)));
        continue;
      }
      byte[] content = change.head().files().get(path);
      if (content == null) {
        continue;
      }
      descriptors++;
      if (PathRules.sizeProblem(content.length).isPresent()) {
        problems.add(Problem.ofFile(path, PathRules.sizeProblem(content.length).get()));
        continue;
      }
      DescriptorParser.Result result = parser.parse(path, content);
      if (!result.ok()) {
        problems.addAll(result.problems());
        continue;
      }
      String name = result.descriptor().name();
      String expected = PathRules.agentNameOf(path);
      if (!name.equals(expected)) {
        LocatedYaml.Position at = LocatedYaml.read(path, content).find("metadata.name").orElse(LocatedYaml.Position.UNKNOWN);
        problems.add(new Problem(path, at.line(), at.column(), "metadata.name",
            "agent '" + name + "' must be declared in " + PathRules.agentPath(name) + ", not " + path
                + ": rename the file or set metadata.name to '" + expected + "'"));
      }
    }
    if (problems.isEmpty()) {
      return CheckResult.passed(NAME, descriptors == 0
          ? "no agent descriptors changed"
          : descriptors + " agent descriptor" + (descriptors == 1 ? "" : "s") + " valid");
    }
    return CheckResult.failed(NAME, problems);
  }

  private static String notADescriptor(String path) {
    if (path.endsWith(".yml") && path.indexOf('/', 7) < 0) {
      return "agent descriptors use the .yaml extension: rename to " + path.substring(0, path.length() - 4) + ".yaml";
    }
    return "only agent descriptors named agents/<name>.yaml belong under agents/ (no other files, no subdirectories)";
  }
}
