package io.warden.packaging.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code warden traces ...}: search spans, show a trace or a logical trace, and roll up costs,
 * through a running Warden's HTTP API (viewer role).
 */
@Command(name = "traces", description = "Search agent traces and costs.",
    subcommands = {TracesCommand.Search.class, TracesCommand.Show.class, TracesCommand.Logical.class,
        TracesCommand.Costs.class})
public final class TracesCommand extends RemoteCommands.Group {

  @Command(name = "search", description = {
      "Search spans, newest first. QUERY is Lucene syntax over prompts, completions, reasoning and tool",
      "arguments, and may name fields: agent:planner AND status:error AND \"invoice 4711\"."})
  static final class Search extends RemoteCommands.Remote {
    @Parameters(paramLabel = "QUERY", arity = "0..1", description = "Lucene query (optional)")
    String query;

    @Option(names = "--agent", description = "only spans of this agent")
    String agent;

    @Option(names = "--model", description = "only spans of this model")
    String model;

    @Option(names = "--status", description = "OK, ERROR or UNSET")
    String status;

    @Option(names = "--from", description = "start: ISO instant, date, or look-back such as 24h")
    String from;

    @Option(names = "--to", description = "end (exclusive): ISO instant, date, or look-back")
    String to;

    @Option(names = "--min-cost", description = "only spans costing at least this many USD")
    String minCost;

    @Option(names = "--limit", description = "page size 1..1000 (default 20)", defaultValue = "20")
    int limit;

    @Option(names = "--cursor", description = "continue after the previous page")
    String cursor;

    @Option(names = "--json", description = "print the raw JSON reply")
    boolean json;

    @Override
    void run() throws Exception {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("q", query);
      params.put("agent", agent);
      params.put("model", model);
      params.put("status", status);
      params.put("from", from);
      params.put("to", to);
      params.put("min_cost_usd", minCost);
      params.put("limit", Integer.toString(limit));
      params.put("cursor", cursor);
      JsonNode body = api.get("/api/v1/traces/search" + queryString(params));
      if (json) {
        print(body);
        return;
      }
      out().printf("%-24s %-22s %-13s %-6s %12s  %-32s %s%n", "START", "AGENT", "OPERATION", "STATUS", "COST USD",
          "TRACE", "NAME");
      for (JsonNode hit : body.path("hits")) {
        JsonNode s = hit.path("span");
        long start = s.path("startEpochNanos").asLong();
        out().printf("%-24s %-22s %-13s %-6s %12s  %-32s %s%n",
            Instant.ofEpochSecond(0, start).toString(), s.path("agent").asText(), s.path("operation").asText(),
            s.path("status").asText(), s.path("costUsd").asText(), s.path("traceId").asText(), s.path("name").asText());
        for (JsonNode h : hit.path("highlights")) {
          out().println("    … " + h.asText().replace("<em>", "[").replace("</em>", "]").replace('\n', ' ').strip());
        }
      }
      if (!body.path("hits").isEmpty() || body.path("next_cursor").isTextual()) {
        if (body.path("next_cursor").isTextual()) {
          out().println("more: --cursor " + body.path("next_cursor").asText());
        }
      } else {
        out().println("no spans match");
      }
    }
  }

  @Command(name = "show", description = "Show every span of one trace.")
  static final class Show extends RemoteCommands.Remote {
    @Parameters(paramLabel = "TRACE_ID")
    String traceId;

    @Override
    void run() throws Exception {
      print(api.get("/api/v1/traces/" + encode(traceId)));
    }
  }

  @Command(name = "logical", description = "Show the logical trace (all sub-agents) containing a trace id.")
  static final class Logical extends RemoteCommands.Remote {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--json", description = "print the raw JSON reply")
    boolean json;

    @Override
    void run() throws Exception {
      JsonNode body = api.get("/api/v1/logical-traces/" + encode(id));
      if (json) {
        print(body);
        return;
      }
      out().println("logical trace " + body.path("id").asText() + "  (" + body.path("spanCount").asInt()
          + " spans in " + body.path("traceIds").size() + " traces)");
      out().println("intent: " + body.path("intent").asText());
      for (JsonNode root : body.path("roots")) {
        tree(root, "");
      }
      out().println("cost by agent:");
      body.path("costByAgent").properties().forEach(e ->
          out().printf("  %-28s %s USD%n", e.getKey(), e.getValue().asText()));
      out().println("total: " + body.path("totalCostUsd").asText() + " USD");
      if (!body.path("errors").isEmpty()) {
        out().println("errors:");
        for (JsonNode e : body.path("errors")) {
          out().println("  " + String.join(" > ", chain(e.path("delegationChain"))) + ": " + e.path("name").asText()
              + ": " + e.path("message").asText());
        }
      }
    }

    private void tree(JsonNode node, String indent) {
      JsonNode s = node.path("span");
      String via = node.path("delegatedFrom").asText();
      out().printf("%s%s [%s] %s%s%s%n", indent, s.path("name").asText(), s.path("agent").asText(),
          s.path("status").asText(), "ERROR".equals(s.path("status").asText())
              ? ": " + s.path("statusMessage").asText() : "", via.isEmpty() ? "" : "  (new trace via " + via + ")");
      for (JsonNode c : node.path("children")) {
        tree(c, indent + "  ");
      }
    }

    private static java.util.List<String> chain(JsonNode array) {
      java.util.List<String> out = new java.util.ArrayList<>();
      array.forEach(n -> out.add(n.asText()));
      return out;
    }
  }

  @Command(name = "costs", description = "Cost roll-up: tokens, actions and compute.")
  static final class Costs extends RemoteCommands.Remote {
    @Option(names = "--group-by", description = "agent, model, tool or day (default agent)", defaultValue = "agent")
    String groupBy;

    @Option(names = "--from", description = "start: ISO instant, date, or look-back such as 7d")
    String from;

    @Option(names = "--to", description = "end (exclusive)")
    String to;

    @Override
    void run() throws Exception {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("group_by", groupBy);
      params.put("from", from);
      params.put("to", to);
      JsonNode body = api.get("/api/v1/costs" + queryString(params));
      out().printf("%-32s %14s %14s %14s %14s %10s%n", groupBy.toUpperCase(java.util.Locale.ROOT), "TOKENS USD",
          "ACTIONS USD", "COMPUTE USD", "TOTAL USD", "SPANS");
      for (JsonNode r : body.path("rows")) {
        out().printf("%-32s %14s %14s %14s %14s %10d%n", r.path("key").asText().isEmpty() ? "(none)"
                : r.path("key").asText(), r.path("tokensUsd").asText(), r.path("actionsUsd").asText(),
            r.path("computeUsd").asText(), r.path("totalUsd").asText(), r.path("spans").asLong());
      }
      out().println("total: " + body.path("total_usd").asText() + " USD");
    }
  }

  static String queryString(Map<String, String> params) {
    StringBuilder sb = new StringBuilder();
    params.forEach((k, v) -> {
      if (v != null && !v.isBlank()) {
        sb.append(sb.isEmpty() ? '?' : '&').append(k).append('=').append(encode(v));
      }
    });
    return sb.toString();
  }

  static String encode(String v) {
    return URLEncoder.encode(v, StandardCharsets.UTF_8);
  }
}
