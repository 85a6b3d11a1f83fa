package io.warden.packaging.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A change request as a person reads it: status, each check with its problems at file:line, the
 * approvals required and given, and what still blocks the merge. {@code --json} prints the API's
 * record instead, for scripts.
 */
final class ChangeSummary {
  private static final List<String> ROLES = List.of("VIEWER", "AUTHOR", "APPROVER", "ADMIN");

  private ChangeSummary() {}

  static void print(JsonNode c, PrintWriter out) {
    String id = c.path("id").asText();
    String status = c.path("status").asText();
    out.printf("change request #%s: %s%n", id, c.path("title").asText());
    out.printf("  status   %s%n", status.toLowerCase(Locale.ROOT)
        + (c.path("mergedBy").asText().isEmpty() ? "" : " by " + c.path("mergedBy").asText() + " as "
            + abbrev(c.path("mergeCommit").asText()))
        + (c.path("closedBy").asText().isEmpty() ? "" : " by " + c.path("closedBy").asText()));
    out.printf("  author   %s, branch %s, head %s%n", c.path("author").asText(), c.path("branch").asText(),
        abbrev(c.path("headCommit").asText()));
    List<String> files = new ArrayList<>();
    c.path("files").forEach(f -> files.add(f.path("path").asText() + " ("
        + f.path("kind").asText().toLowerCase(Locale.ROOT) + ")"));
    out.printf("  files    %s%n", files.isEmpty() ? "-" : String.join(", ", files));

    List<String> blockers = new ArrayList<>();
    String head = c.path("headCommit").asText();
    boolean checkedHead = head.equals(c.path("checkedHead").asText());
    out.println("checks" + (checkedHead ? "" : " (not run on the current head yet)") + ":");
    if (c.path("checks").isEmpty()) {
      out.println("  (none yet)");
    }
    if (!checkedHead || c.path("checks").isEmpty()) {
      blockers.add("checks have not run on head " + abbrev(head));
    }
    for (JsonNode check : c.path("checks")) {
      String s = check.path("status").asText();
      out.printf("  %-7s %-14s %s%n", s.equals("PASSED") ? "passed" : s, check.path("check").asText(),
          check.path("summary").asText());
      for (JsonNode p : check.path("problems")) {
        out.println("            " + location(p));
      }
      if (!s.equals("PASSED")) {
        blockers.add("check '" + check.path("check").asText() + "' " + s.toLowerCase(Locale.ROOT)
            + (s.equals("ERROR") ? " (warden changes recheck " + id + " once the cause is fixed)" : ""));
      }
    }

    out.println("approvals:");
    for (JsonNode req : c.path("requiredApprovals")) {
      Set<String> given = approvers(c, req);
      int count = req.path("count").asInt(1);
      out.printf("  %d of %d from %s: %s%s%n", Math.min(given.size(), count), count, who(req),
          req.path("reason").asText(), given.isEmpty() ? "" : " (given: " + String.join(", ", given) + ")");
      if (given.size() < count) {
        blockers.add("needs " + (count - given.size()) + " more approval" + (count - given.size() == 1 ? "" : "s")
            + " from " + who(req));
      }
    }
    for (JsonNode a : c.path("approvals")) {
      if (!a.path("headCommit").asText().equals(head)) {
        out.printf("  (%s approved an earlier head %s: does not count)%n", a.path("user").asText(),
            abbrev(a.path("headCommit").asText()));
      }
    }
    if (status.equals("OPEN")) {
      out.println(blockers.isEmpty() ? "ready to merge: warden changes merge " + id
          : "not mergeable yet: " + String.join("; ", blockers));
    }
  }

  /** {@code file:line:col: field: message}, as the validator and the API print problems. */
  private static String location(JsonNode p) {
    if (p.hasNonNull("location")) {
      return p.path("location").asText();
    }
    StringBuilder sb = new StringBuilder(p.path("file").asText());
    if (p.path("line").asInt() > 0) {
      sb.append(':').append(p.path("line").asInt());
      if (p.path("column").asInt() > 0) {
        sb.append(':').append(p.path("column").asInt());
      }
    }
    sb.append(": ");
    if (!p.path("field").asText().isEmpty()) {
      sb.append(p.path("field").asText()).append(": ");
    }
    return sb.append(p.path("message").asText()).toString();
  }

  private static String who(JsonNode req) {
    String who = "a user with role " + req.path("role").asText().toLowerCase(Locale.ROOT);
    String team = req.path("team").asText();
    return team.isEmpty() ? who : who + " in team " + team;
  }

  /** Distinct users whose approval of the head counts for {@code req} (as the server counts them). */
  private static Set<String> approvers(JsonNode c, JsonNode req) {
    Set<String> contributors = new LinkedHashSet<>();
    c.path("contributors").forEach(u -> contributors.add(u.asText()));
    String team = req.path("team").asText();
    int needed = ROLES.indexOf(req.path("role").asText());
    Set<String> users = new LinkedHashSet<>();
    for (JsonNode a : c.path("approvals")) {
      String user = a.path("user").asText();
      boolean inTeam = team.isEmpty();
      for (JsonNode t : a.path("teams")) {
        inTeam |= t.asText().equals(team);
      }
      if (a.path("headCommit").asText().equals(c.path("headCommit").asText())
          && !user.equals(c.path("author").asText()) && !contributors.contains(user)
          && ROLES.indexOf(a.path("role").asText()) >= needed && inTeam) {
        users.add(user);
      }
    }
    return users;
  }

  private static String abbrev(String commit) {
    return commit.length() > 12 ? commit.substring(0, 12) : commit;
  }
}
