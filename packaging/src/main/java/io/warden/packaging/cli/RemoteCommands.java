package io.warden.packaging.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** CLI commands that call a running Warden's HTTP API. */
public final class RemoteCommands {
  private RemoteCommands() {}

  /** A command that only groups subcommands: run alone, it says which exist (exit 2). */
  abstract static class Group implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
      throw new ParameterException(spec.commandLine(), "missing a subcommand: one of "
          + String.join(", ", spec.subcommands().keySet()) + " (" + spec.qualifiedName() + " --help)");
    }
  }

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

  @Command(name = "agents", description = "Agents in the inventory and their credentials.",
      subcommands = {AgentsList.class, AgentsShow.class, AgentsShadow.class, Credentials.class})
  public static final class Agents extends Group {}

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

  @Command(name = "show",
      description = "Show one agent: descriptor, status, history, credentials, spans ingest rejected.")
  static final class AgentsShow extends Remote {
    /** How many of the last rejections the summary lists. */
    static final int RECENT_SHOWN = 5;

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    void run() throws Exception {
      print(api.get("/api/v1/agents/" + name));
      printIngest(api.get("/api/v1/agents/" + name + "/ingest"), out());
    }

    /** The short "ingest rejections" section: counts per reason and the last few, newest first. */
    static void printIngest(JsonNode ingest, PrintWriter out) {
      long total = ingest.path("rejected_spans").asLong();
      if (total == 0) {
        out.println("ingest rejections: none");
        return;
      }
      StringBuilder reasons = new StringBuilder();
      ingest.path("rejected_by_reason").properties().forEach(e -> {
        if (e.getValue().asLong() > 0) {
          reasons.append(reasons.isEmpty() ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue().asLong());
        }
      });
      out.printf("ingest rejections: %d spans (%s)%n", total, reasons);
      int shown = 0;
      for (JsonNode r : ingest.path("recent_rejections")) {
        if (shown++ == RECENT_SHOWN) {
          break;
        }
        out.printf("  %s  %s  span %s: %s%n", r.path("at").asText(), r.path("reason").asText(),
            r.path("span_id").asText(), r.path("message").asText());
      }
    }
  }

  @Command(name = "shadow",
      description = "Show an agent's shadow evidence: model candidates (spec.shadow) and shadow mode beside a human.")
  static final class AgentsShadow extends Remote {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    void run() throws Exception {
      JsonNode report = api.get("/api/v1/agents/" + name + "/shadow");
      for (JsonNode m : report.path("models")) {
        out().printf("candidate %s: %d samples, %d agree (%.1f%%, 95%% CI %.1f-%.1f%%), latency %+.0f ms, cost %s USD%n",
            m.path("candidate").asText(), m.path("samples").asInt(), m.path("agreements").asInt(),
            m.path("agreement_rate").asDouble() * 100, m.path("agreement_interval_95").path(0).asDouble() * 100,
            m.path("agreement_interval_95").path(1).asDouble() * 100, m.path("mean_latency_delta_ms").asDouble(),
            m.path("cost_delta_usd").asText());
        for (JsonNode d : m.path("disagreements")) {
          out().printf("  %s  trace %s: %s%n", d.path("at").asText(), d.path("trace_id").asText(),
              String.join("; ", d.path("differences").valueStream().map(JsonNode::asText).toList()));
        }
      }
      if (report.path("models").isEmpty()) {
        out().println("model shadow runs: none");
      }
      out().printf("shadow mode beside humans: %d pairs, %d agree%n", report.path("pairs").asInt(),
          report.path("agreements").asInt());
    }
  }

  @Command(name = "credentials", description = "Agent credentials (admin): what agents authenticate with.",
      subcommands = {CredentialsCreate.class, CredentialsList.class, CredentialsRevoke.class})
  static final class Credentials extends Group {}

  @Command(name = "create", description = "Issue a credential for an agent; prints it once (Warden keeps only its hash).")
  static final class CredentialsCreate extends Remote {
    @Parameters(paramLabel = "AGENT")
    String agent;

    @Override
    void run() {
      JsonNode issued = api.post("/api/v1/agents/" + TracesCommand.encode(agent) + "/credentials", Map.of());
      out().println("issued credential " + issued.path("id").asText() + " for agent '" + agent
          + "'. Credential (shown once):");
      out().println(issued.path("credential").asText());
    }
  }

  @Command(name = "list", description = "List an agent's credentials (ids, created, revoked; never the secrets).")
  static final class CredentialsList extends Remote {
    @Parameters(paramLabel = "AGENT")
    String agent;

    @Override
    void run() {
      JsonNode body = api.get("/api/v1/agents/" + TracesCommand.encode(agent));
      out().printf("%-28s %-32s %s%n", "ID", "CREATED", "REVOKED");
      for (JsonNode c : body.path("credentials")) {
        out().printf("%-28s %-32s %s%n", c.path("id").asText(), c.path("createdAt").asText(),
            c.path("revokedAt").isNull() || c.path("revokedAt").isMissingNode() ? "-" : c.path("revokedAt").asText());
      }
      if (body.path("credentials").isEmpty()) {
        out().println("(none: warden agents credentials create " + agent + ")");
      }
    }
  }

  @Command(name = "revoke", description = "Revoke an agent credential and every token minted from it.")
  static final class CredentialsRevoke extends Remote {
    @Parameters(index = "0", paramLabel = "AGENT")
    String agent;

    @Parameters(index = "1", paramLabel = "ID", description = "the credential id (warden agents credentials list AGENT)")
    String id;

    @Override
    void run() {
      api.delete("/api/v1/agents/" + TracesCommand.encode(agent) + "/credentials/" + TracesCommand.encode(id));
      out().println("revoked credential " + id + " of agent '" + agent + "'");
    }
  }

  @Command(name = "changes", description = "Change requests (the pull-request flow).",
      subcommands = {ChangesList.class, ChangesShow.class, ChangesApprove.class, ChangesMerge.class, ChangesClose.class,
          ChangesRecheck.class})
  public static final class Changes extends Group {}

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

  @Command(name = "show", description = "Show a change request: status, checks (file:line), approvals, diff.")
  static final class ChangesShow extends Remote {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--json", description = "print the raw JSON reply (change and diff) for scripts")
    boolean json;

    @Override
    void run() throws Exception {
      JsonNode body = api.get("/api/v1/changes/" + TracesCommand.encode(id));
      if (json) {
        print(body);
        return;
      }
      ChangeSummary.print(body.path("change"), out());
      String diff = body.path("diff").asText();
      if (!diff.isBlank()) {
        out().println();
        out().print(diff.endsWith("\n") ? diff : diff + "\n");
      }
    }
  }

  /** A POST to {@code /api/v1/changes/{id}/<action>}, printing the updated change request. */
  abstract static class ChangeAction extends Remote {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--json", description = "print the raw JSON reply for scripts")
    boolean json;

    abstract String action();

    @Override
    void run() throws Exception {
      JsonNode change = api.post("/api/v1/changes/" + TracesCommand.encode(id) + "/" + action(), Map.of());
      if (json) {
        print(change);
      } else {
        ChangeSummary.print(change.has("change") ? change.path("change") : change, out());
      }
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

  @Command(name = "recheck", description = "Run a change request's checks again (e.g. after the policy engine was down).")
  static final class ChangesRecheck extends ChangeAction {
    @Override
    String action() {
      return "recheck";
    }
  }

  @Command(name = "users", description = "Users and their roles (admin).", subcommands = UsersCreate.class)
  public static final class Users extends Group {}

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
  public static final class Token extends Group {}

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

    @Option(names = "--parent", paramLabel = "TRACE_ID:SPAN_ID", converter = ParentSpan.Converter.class,
        description = "the delegating span (W3C trace id, 32 hex digits, and span id, 16): spans exported with "
            + "the token join its logical trace")
    ParentSpan parent;

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
      if (parent != null) {
        body.put("parent", Map.of("trace_id", parent.traceId(), "span_id", parent.spanId()));
      }
      out().println(api.post("/api/v1/tokens", body).path("token").asText());
    }
  }

  /** {@code --parent TRACE_ID:SPAN_ID}: the span a token's holder delegates from, lowercase hex. */
  record ParentSpan(String traceId, String spanId) {
    /** Refuses anything but 32 and 16 hex digits (not all zero) before a request is sent. */
    static final class Converter implements CommandLine.ITypeConverter<ParentSpan> {
      @Override
      public ParentSpan convert(String value) {
        String[] parts = value.strip().toLowerCase(Locale.ROOT).split(":", -1);
        if (parts.length != 2 || !isSpanHex(parts[0], 32) || !isSpanHex(parts[1], 16)) {
          throw new CommandLine.TypeConversionException("--parent must be TRACE_ID:SPAN_ID, the delegating span's "
              + "W3C trace id (32 hex digits) and span id (16 hex digits), neither all zero, e.g. "
              + "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7; got '" + value + "'");
        }
        return new ParentSpan(parts[0], parts[1]);
      }

      private static boolean isSpanHex(String s, int digits) {
        return s.length() == digits && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
            && !s.chars().allMatch(c -> c == '0');
      }
    }
  }
}
