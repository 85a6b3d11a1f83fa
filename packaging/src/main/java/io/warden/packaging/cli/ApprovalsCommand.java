package io.warden.packaging.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code warden approvals ...}: held tool calls waiting for a human, through a running Warden's HTTP
 * API (listing needs the viewer role, deciding the approver role).
 */
@Command(name = "approvals", description = "Held tool calls waiting for a human decision.",
    mixinStandardHelpOptions = true,
    subcommands = {ApprovalsCommand.List.class, ApprovalsCommand.Show.class, ApprovalsCommand.Approve.class,
        ApprovalsCommand.Deny.class})
public final class ApprovalsCommand {

  @Command(name = "list", description = "List approvals, oldest first.", mixinStandardHelpOptions = true)
  static final class List extends RemoteCommands.Remote {
    @Option(names = "--status", description = "pending, approved, denied or expired")
    String status;

    @Option(names = "--agent", description = "only this agent's approvals")
    String agent;

    @Option(names = "--json", description = "print the raw JSON reply")
    boolean json;

    @Override
    void run() throws Exception {
      Map<String, String> params = new java.util.LinkedHashMap<>();
      params.put("status", status);
      params.put("agent", agent);
      JsonNode body = api.get("/api/v1/approvals" + TracesCommand.queryString(params));
      if (json) {
        print(body);
        return;
      }
      out().printf("%-28s %-9s %-24s %-28s %12s  %s%n", "ID", "STATUS", "AGENT", "TOOL", "VALUE_USD", "EXPIRES");
      for (JsonNode a : body.path("approvals")) {
        out().printf("%-28s %-9s %-24s %-28s %12s  %s%n", a.path("id").asText(), a.path("status").asText(),
            a.path("agent").asText(), a.path("tool").asText().replace("mcp://gateway/", ""),
            a.path("action_value_usd").isNull() ? "unknown" : a.path("action_value_usd").asText(),
            a.path("expires_at").asText());
      }
    }
  }

  @Command(name = "show", description = "Show one approval: arguments, reasons, decision, result.",
      mixinStandardHelpOptions = true)
  static final class Show extends RemoteCommands.Remote {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--json", description = "print the raw JSON reply")
    boolean json;

    @Override
    void run() throws Exception {
      JsonNode a = api.get("/api/v1/approvals/" + id);
      if (json) {
        print(a);
        return;
      }
      summary(this, a);
    }
  }

  /** A POST to {@code /api/v1/approvals/{id}/<action>} with {@code {reason}}. */
  abstract static class Decide extends RemoteCommands.Remote {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--reason", description = "why, recorded in the approval and the audit log")
    String reason;

    @Option(names = "--json", description = "print the raw JSON reply")
    boolean json;

    abstract String action();

    @Override
    void run() throws Exception {
      JsonNode a = api.post("/api/v1/approvals/" + id + "/" + action(), Map.of("reason", reason == null ? "" : reason));
      if (json) {
        print(a);
        return;
      }
      summary(this, a);
    }
  }

  @Command(name = "approve", description = "Approve a held call (approver role); it then runs exactly once.",
      mixinStandardHelpOptions = true)
  static final class Approve extends Decide {
    @Override
    String action() {
      return "approve";
    }
  }

  @Command(name = "deny", description = "Deny a held call (approver role); the agent gets a tool error.",
      mixinStandardHelpOptions = true)
  static final class Deny extends Decide {
    @Override
    String action() {
      return "deny";
    }
  }

  private static void summary(RemoteCommands.Remote cmd, JsonNode a) {
    var out = cmd.out();
    out.printf("%s  %s%n", a.path("id").asText(), a.path("status").asText());
    out.printf("  agent      %s%n", a.path("agent").asText());
    out.printf("  tool       %s%n", a.path("tool").asText());
    out.printf("  value      %s USD%n", a.path("action_value_usd").isNull() ? "unknown" : a.path("action_value_usd").asText());
    out.printf("  arguments  %s%n", a.path("arguments"));
    for (JsonNode r : a.path("reasons")) {
      out.printf("  why held   %s%n", r.asText());
    }
    out.printf("  created    %s, expires %s%n", a.path("created_at").asText(), a.path("expires_at").asText());
    if (!a.path("decided_by").asText().isEmpty()) {
      out.printf("  decided    by %s at %s%s%n", a.path("decided_by").asText(), a.path("decided_at").asText(),
          a.path("reason").asText().isEmpty() ? "" : ": " + a.path("reason").asText());
    }
    out.printf("  execution  %s%n", a.path("execution").asText());
    if (!a.path("result").isNull() && !a.path("result").isMissingNode()) {
      out.printf("  result     %s%n", a.path("result"));
    }
    if (!a.path("error").asText().isEmpty()) {
      out.printf("  error      %s%n", a.path("error").asText());
    }
  }
}
