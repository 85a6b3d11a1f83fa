package io.warden.gitops.check;

import io.warden.core.Problem;
import io.warden.core.change.ChangeCheck;
import io.warden.core.change.CheckResult;
import io.warden.core.change.FileChange;
import io.warden.core.change.ProposedChange;
import io.warden.gitops.internal.PathRules;
import java.util.ArrayList;
import java.util.List;

/**
 * Every file a change adds or modifies sits inside the repository layout ({@code agents/},
 * {@code policies/}, {@code tools/}, {@code pricing.yaml}, {@code README.md}), has a safe path and is
 * at most 1 MiB. Pushed branches can contain anything git allows; this is where such files are
 * caught before they reach {@code main}.
 */
public final class LayoutCheck implements ChangeCheck {

  public static final String NAME = "layout";

  private LayoutCheck() {}

  public static LayoutCheck create() {
    return new LayoutCheck();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CheckResult run(ProposedChange change) {
    List<Problem> problems = new ArrayList<>();
    int checked = 0;
    for (FileChange file : change.changes()) {
      if (file.kind() == FileChange.Kind.DELETED) {
        continue;
      }
      checked++;
      PathRules.problem(file.path()).ifPresent(m -> problems.add(Problem.ofFile(file.path(), m)));
      byte[] content = change.head().files().get(file.path());
      if (content != null) {
        PathRules.sizeProblem(content.length).ifPresent(m -> problems.add(Problem.ofFile(file.path(), m)));
      }
    }
    return problems.isEmpty()
        ? CheckResult.passed(NAME, checked + " changed file" + (checked == 1 ? "" : "s") + " inside the layout")
        : CheckResult.failed(NAME, problems);
  }
}
