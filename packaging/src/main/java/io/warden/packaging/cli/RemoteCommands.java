package io.warden.packaging.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** CLI commands that call a running Warden's HTTP API. */
public final class RemoteCommands {
  private RemoteCommands() {}

  /** Shared plumbing: the API client and printing. */
  abstract static class Remote implements Callable<Integer> {
    @Mixin
    ApiClient api;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    void print(JsonNode node) throws Exception {
      out().println(api.json().writerWithDefaultPrettyPrinter().writeValueAsString(node));
    }

    @Override
    public Integer call() throws Exception {
      run();
      return 0;
    }

    abstract void run() throws Exception;
  }

  @Command(name = "agents", description = "Agents in the inventory.",
      subcommands = {AgentsList.class, AgentsShow.class})
  public static final class Agents {}

  @Command(name = "list", description = "List agents with their sync status.")
  static final class AgentsList extends Remote {
    @Override
    void run() {
      JsonNode body = api.get("/api/v1/agents");
      out().printf("%-32s %-12s %-20s %s%n", "NAME", "STATUS", "OWNER", "REVISION");
      for (JsonNode a : body.path("agents")) {
        out().printf("%-32s %-12s %-20s %.12s%n", a.path("name").asText(), a.path("status").asText(),
            a.path("owner").asText(), a.path("revision").asText());
      }
    }
  }

  @Command(name = "show", description = "Show one agent: descriptor, status, history, credentials.")
  static final class AgentsShow extends Remote {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    void run() throws Exception {
      print(api.get("/api/v1/agents/" + name));
    }
  }

  @Command(name = "changes", description = "Change requests (the pull-request flow).",
      subcommands = {ChangesList.class, ChangesShow.class, ChangesApprove.class, ChangesMerge.class, ChangesClose.class})
  public static final class Changes {}

  @Command(name = "list", description = "List change requests.")
  static final class ChangesList extends Remote {
    @Option(names = "--status", description = "open, merged or closed")
    String status;

    @Override
    void run() {
      JsonNode body = api.get("/api/v1/changes" + (status == null ? "" : "?status=" + status));
      out().printf("%-6s %-8s %-12s %-28s %s%n", "ID", "STATUS", "AUTHOR", "CHECKS", "TITLE");
      for (JsonNode c : body.path("changes")) {
        long failed = 0;
        long total = 0;
        for (JsonNode check : c.path("checks")) {
          total++;
          if (!"PASSED".equals(check.path("status").asText())) {
            failed++;
          }
        }
        String checks = total == 0 ? "-" : (failed == 0 ? "passed (" + total + ")" : failed + "/" + total + " failing");
        out().printf("%-6s %-8s %-12s %-28s %s%n", c.path("id").asText(), c.path("status").asText(),
            c.path("author").asText(), checks, c.path("title").asText());
      }
    }
  }

  @Command(name = "show", description = "Show a change request: status, checks, approvals, diff.")
  static final class ChangesShow extends Remote {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    void run() throws Exception {
      JsonNode body = api.get("/api/v1/changes/" + id);
      print(body.path("change"));
      out().println(body.path("diff").asText());
    }
  }

  /** A POST to {@code /api/v1/changes/{id}/<action>}, printing the updated change request. */
  abstract static class ChangeAction extends Remote {
    @Parameters(paramLabel = "ID")
    String id;

    abstract String action();

    @Override
    void run() throws Exception {
      print(api.post("/api/v1/changes/" + id + "/" + action(), Map.of()));
    }
  }

  @Command(name = "approve", description = "Approve a change request (approver role, not its author).")
  static final class ChangesApprove extends ChangeAction {
    @Override
    String action() {
      return "approve";
    }
  }

  @Command(name = "merge", description = "Merge a change request once its checks pass and approvals are in.")
  static final class ChangesMerge extends ChangeAction {
    @Override
    String action() {
      return "merge";
    }
  }

  @Command(name = "close", description = "Close a change request without merging.")
  static final class ChangesClose extends ChangeAction {
    @Override
    String action() {
      return "close";
    }
  }

  @Command(name = "users", description = "Users and their roles (admin).", subcommands = UsersCreate.class)
  public static final class Users {}

  @Command(name = "create", description = "Create a user; prints its token once.")
  static final class UsersCreate extends Remote {
    @Option(names = "--name", required = true, description = "user name (a DNS label)")
    String name;

    @Option(names = "--role", required = true, description = "viewer, author, approver or admin")
    String role;

    @Option(names = "--team", description = "team membership (repeatable)")
    List<String> teams = List.of();

    @Override
    void run() throws Exception {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", name);
      body.put("role", role);
      body.put("teams", teams);
      JsonNode created = api.post("/api/v1/users", body);
      out().println("created " + created.path("role").asText() + " '" + name + "'. Token (shown once):");
      out().println(created.path("token").asText());
    }
  }

  @Command(name = "token", description = "Token helpers.", subcommands = {TokenWhoami.class, TokenMint.class})
  public static final class Token {}

  @Command(name = "whoami", description = "Show which principal a token is.")
  static final class TokenWhoami extends Remote {
    @Override
    void run() throws Exception {
      print(api.get("/api/v1/whoami"));
    }
  }

  @Command(name = "mint", description = "As an agent, obtain a short-lived token scoped to one session (or for a sub-agent).")
  static final class TokenMint extends Remote {
    @Option(names = "--session", required = true, description = "session or task id")
    String session;

    @Option(names = "--agent", description = "sub-agent to delegate to (default: the caller itself)")
    String agent;

    @Option(names = "--tool", description = "allowed tool (repeatable), e.g. mcp://gateway/ledger-read")
    List<String> tools = List.of();

    @Option(names = "--usd-budget", description = "spending cap for the token")
    String usdBudget;

    @Option(names = "--ttl", defaultValue = "900", description = "lifetime in seconds (max 3600)")
    long ttl;

    @Override
    void run() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("session", session);
      if (agent != null) {
        body.put("agent", agent);
      }
      body.put("tools", tools);
      if (usdBudget != null) {
        body.put("usd_budget", usdBudget);
      }
      body.put("ttl_seconds", ttl);
      out().println(api.post("/api/v1/tokens", body).path("token").asText());
    }
  }
}
