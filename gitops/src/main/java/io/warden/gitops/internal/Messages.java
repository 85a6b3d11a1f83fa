package io.warden.gitops.internal;

import io.warden.core.Problem;
import io.warden.core.change.CheckResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Every sentence the gitops module shows a person: push refusals (printed by the git client as
 * {@code remote: ...}), push reports, and merge refusals. One place, so the wording stays consistent
 * and reviewable.
 *
 * <p>Internal: unstable API, not for use outside this module.
 */
public final class Messages {

  private Messages() {}

  public static final String MAIN_PROTECTED_SHORT = "main is protected; push a branch";

  public static final String MAIN_PROTECTED =
      "main is protected: push a branch instead, e.g. git push origin HEAD:refs/heads/my-change; "
          + "then approve and merge the change request";

  public static final String MAIN_DELETE = "main cannot be deleted: it is what Warden applies";

  public static String notABranch(String ref) {
    return "only branches can be pushed: '" + ref + "' is not under refs/heads/; "
        + "tags and other refs are managed by warden";
  }

  public static final String HEAD_BRANCH =
      "a branch cannot be named HEAD: git reads HEAD as the current commit, so such a branch is "
          + "unreachable by name; push another name, e.g. git push origin HEAD:refs/heads/my-change";

  public static String reservedBranch(String branch) {
    return "branch '" + branch + "' is reserved for a change request opened through the api and is not open; "
        + "push another name, e.g. git push origin HEAD:refs/heads/my-change";
  }

  public static String specialEntries(List<String> paths) {
    return "symlinks and submodules are not allowed in the warden repository ("
        + String.join(", ", paths) + "); commit regular files instead";
  }

  public static String mainMoved(String main, boolean nowPassing) {
    return "main moved since checks ran; checks were re-run against " + shortId(main) + ": "
        + (nowPassing ? "review and merge again" : "they no longer pass, see the change request");
  }

  public static String mergeConflict(String main) {
    return "conflicts with main at " + shortId(main)
        + ": rebase on main (git pull --rebase origin main), resolve, and push again";
  }

  /** What a push prints after it opened or updated a change request. */
  public static List<String> pushReport(
      String id, String branch, String apiPath, boolean opened, int droppedApprovals,
      List<CheckResult> checks, String head, String main, List<String> blockers) {
    List<String> out = new ArrayList<>();
    String prefix = "change request #" + id;
    out.add(prefix + (opened ? " opened" : " updated") + " for branch " + branch + ": " + apiPath);
    if (droppedApprovals > 0) {
      out.add(prefix + ": new head " + shortId(head) + ", " + droppedApprovals + " earlier approval"
          + (droppedApprovals == 1 ? "" : "s") + " dropped");
    }
    boolean allPassed = checks.stream().allMatch(CheckResult::passed);
    if (allPassed) {
      out.add(prefix + ": all " + checks.size() + " checks passed on " + shortId(head) + " against main "
          + shortId(main));
    } else {
      for (CheckResult check : checks) {
        if (check.passed()) {
          continue;
        }
        String verdict = check.status() == CheckResult.Status.ERROR ? "check could not run" : "checks failed";
        if (check.problems().isEmpty()) {
          out.add(prefix + ": " + verdict + ": " + check.summary() + " (" + check.check() + ")");
        }
        for (Problem problem : check.problems()) {
          out.add(prefix + ": " + verdict + ": " + problem + " (" + check.check() + ")");
        }
      }
      // HEAD:<branch> works whatever the local branch is called (often main).
      out.add(prefix + ": fix and push again: git push origin HEAD:" + branch);
    }
    for (String blocker : blockers) {
      if (blocker.startsWith("needs ")) {
        out.add(prefix + ": " + blocker);
      }
    }
    return out;
  }

  public static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  public static String shortId(String commit) {
    return commit.length() > 10 ? commit.substring(0, 10) : commit;
  }
}
