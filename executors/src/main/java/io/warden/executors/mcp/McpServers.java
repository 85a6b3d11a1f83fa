package io.warden.executors.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.core.Problem;
import io.warden.core.WardenException;
import io.warden.core.change.ChangeCheck;
import io.warden.core.change.CheckResult;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.yaml.FieldPath;
import io.warden.core.yaml.LocatedYaml;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The upstream MCP servers declared in the governance repository, one file per server:
 *
 * <pre>{@code
 * # mcp/payments.yaml
 * name: payments                      # the file's name
 * url: https://payments.internal/mcp  # Streamable HTTP endpoint, or, for a stdio server Warden runs:
 * # command: [python3, -m, payments_mcp]   (program and arguments, no shell; env: {KEY: value} optional)
 * tools:
 *   - name: pay-invoice               # agents list it as mcp://gateway/pay-invoice
 *     side_effects: true              # default true
 *     cost_usd: 0.02                  # charged per call, default 0
 *     value_pointer: /amount_usd      # JSON pointer to the action value (USD) in the arguments
 * }</pre>
 *
 * <p>Tool names are unique across servers. Once {@code mcp/} declares any server, every
 * {@code mcp://gateway/<tool>} in an agent's {@code spec.tools} must name a declared tool (before
 * that, descriptors may list tools that no server provides yet). Problems carry file:line:col.
 */
public final class McpServers {
  /** The repository folder of the declarations. */
  public static final String DIRECTORY = "mcp/";
  /** Name of the change check that validates {@code mcp/*.yaml}. */
  public static final String CHECK = "mcp-servers";

  private static final Pattern NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
  private static final Pattern ENV_NAME = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,127}$");
  private static final Pattern TOOL = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$");
  private static final Set<String> SERVER_KEYS = Set.of("name", "url", "command", "env", "tools");
  private static final Set<String> TOOL_KEYS = Set.of("name", "side_effects", "cost_usd", "value_pointer");

  private static final McpServers NONE = new McpServers(Map.of(), Map.of(), "");

  private final Map<String, McpServer> servers;
  private final Map<String, McpTool> tools;
  private final String revision;

  private McpServers(Map<String, McpServer> servers, Map<String, McpTool> tools, String revision) {
    this.servers = Map.copyOf(servers);
    this.tools = Map.copyOf(tools);
    this.revision = revision;
  }

  /** No servers. */
  public static McpServers none() {
    return NONE;
  }

  /**
   * The servers declared in {@code snapshot}; refused whole when any file is bad.
   *
   * @throws WardenException {@code invalid_input} listing every problem with its file:line:col
   */
  public static McpServers of(RepoSnapshot snapshot) {
    List<Problem> problems = new ArrayList<>();
    McpServers s = read(snapshot, problems);
    if (!problems.isEmpty()) {
      throw new WardenException("invalid_input", problems.size() + " problem(s) in " + DIRECTORY + ": "
          + problems.getFirst(), problems);
    }
    return s;
  }

  /** The server by name. */
  public Optional<McpServer> server(String name) {
    return Optional.ofNullable(servers.get(name));
  }

  /** The tool by its name (without the {@code mcp://gateway/} prefix). */
  public Optional<McpTool> tool(String name) {
    return Optional.ofNullable(tools.get(name));
  }

  /** Every declared server. */
  public java.util.Collection<McpServer> servers() {
    return servers.values();
  }

  /** Every declared tool by name. */
  public Map<String, McpTool> tools() {
    return tools;
  }

  /** The commit the declarations were read from, or "" when built by hand. */
  public String revision() {
    return revision;
  }

  /**
   * The change check {@value #CHECK}: bad {@code mcp/*.yaml}, a tool declared twice, or an agent
   * naming an undeclared {@code mcp://gateway/} tool keeps a change from merging.
   */
  public static ChangeCheck changeCheck() {
    return ChangeCheck.of(CHECK, change -> {
      List<Problem> problems = new ArrayList<>();
      McpServers s = read(change.head(), problems);
      if (!problems.isEmpty()) {
        return CheckResult.failed(CHECK, problems);
      }
      return CheckResult.passed(CHECK, s.servers.size() + " MCP server(s) with " + s.tools.size()
          + " tool(s) declared");
    });
  }

  // ---------------------------------------------------------------- reading

  private static McpServers read(RepoSnapshot snapshot, List<Problem> problems) {
    Map<String, McpServer> servers = new LinkedHashMap<>();
    Map<String, McpTool> tools = new LinkedHashMap<>();
    Map<String, String> declaredIn = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> f : snapshot.under(DIRECTORY).entrySet()) {
      String path = f.getKey();
      if (!path.endsWith(".yaml") || path.indexOf('/', DIRECTORY.length()) >= 0) {
        problems.add(Problem.ofFile(path, "unexpected file: " + DIRECTORY + " holds one <server>.yaml per"
            + " upstream MCP server, with no sub-folders"));
        continue;
      }
      McpServer server = readServer(path, new String(f.getValue(), StandardCharsets.UTF_8), problems);
      if (server == null) {
        continue;
      }
      servers.put(server.name(), server);
      for (int i = 0; i < server.tools().size(); i++) {
        McpTool t = server.tools().get(i);
        String first = declaredIn.putIfAbsent(t.name(), path);
        if (first != null) {
          LocatedYaml doc = LocatedYaml.read(path, new String(f.getValue(), StandardCharsets.UTF_8));
          problems.add(at(doc, path, FieldPath.of("tools", indexOf(doc, t.name()), "name"),
              "tool '" + t.name() + "' is already declared in " + first + ": tool names must be unique across"
                  + " servers; rename one"));
        } else {
          tools.put(t.name(), t);
        }
      }
    }
    if (!servers.isEmpty()) {
      checkReferences(snapshot, tools, problems);
    }
    return new McpServers(servers, tools, snapshot.commit());
  }

  private static int indexOf(LocatedYaml doc, String tool) {
    JsonNode list = doc.root().path("tools");
    for (int i = 0; i < list.size(); i++) {
      if (tool.equals(list.get(i).path("name").asText())) {
        return i;
      }
    }
    return 0;
  }

  private static void checkReferences(RepoSnapshot snapshot, Map<String, McpTool> tools, List<Problem> problems) {
    for (Map.Entry<String, byte[]> f : snapshot.under("agents/").entrySet()) {
      if (!f.getKey().endsWith(".yaml") && !f.getKey().endsWith(".yml")) {
        continue;
      }
      LocatedYaml doc = LocatedYaml.read(f.getKey(), new String(f.getValue(), StandardCharsets.UTF_8));
      JsonNode list = doc.root() == null ? null : doc.root().path("spec").path("tools");
      if (list == null || !list.isArray()) {
        continue; // the descriptor check reports malformed descriptors
      }
      for (int i = 0; i < list.size(); i++) {
        String ref = list.get(i).asText("");
        if (ref.startsWith(McpTool.REFERENCE_PREFIX)
            && !tools.containsKey(ref.substring(McpTool.REFERENCE_PREFIX.length()))) {
          problems.add(at(doc, f.getKey(), FieldPath.of("spec", "tools", i), "'" + ref + "' names no tool"
              + " declared in " + DIRECTORY + "*.yaml; declared: " + new java.util.TreeSet<>(tools.keySet())));
        }
      }
    }
  }

  private static McpServer readServer(String path, String text, List<Problem> problems) {
    LocatedYaml doc = LocatedYaml.read(path, text);
    int before = problems.size();
    problems.addAll(doc.problems());
    JsonNode root = doc.root();
    if (root == null || !root.isObject()) {
      if (problems.size() == before) {
        problems.add(new Problem(path, 1, 1, "", "expected a mapping with name, url (or command) and tools"));
      }
      return null;
    }
    unknownKeys(doc, path, FieldPath.ROOT, root, SERVER_KEYS, problems);
    String stem = path.substring(DIRECTORY.length(), path.length() - ".yaml".length());
    String name = root.path("name").asText("");
    if (!root.path("name").isTextual()) {
      problems.add(at(doc, path, FieldPath.ROOT, "name is required: the server's name, '" + stem + "'"));
    } else if (!name.equals(stem) || !NAME.matcher(name).matches()) {
      problems.add(at(doc, path, FieldPath.of("name"), "name '" + name + "' must be the file's name '" + stem
          + "', a dns label (lowercase letters, digits and '-')"));
    }
    McpTransport transport = readTransport(doc, path, root, problems);
    List<McpTool> tools = new ArrayList<>();
    JsonNode list = root.path("tools");
    if (!list.isArray() || list.isEmpty()) {
      problems.add(at(doc, path, root.has("tools") ? FieldPath.of("tools") : FieldPath.ROOT,
          "tools must be a non-empty list of {name, side_effects, cost_usd, value_pointer}"));
    } else {
      for (int i = 0; i < list.size(); i++) {
        McpTool t = readTool(doc, path, name, i, list.get(i), problems);
        if (t != null) {
          tools.add(t);
        }
      }
    }
    return problems.size() == before ? new McpServer(name, Objects.requireNonNull(transport), tools, path) : null;
  }

  /** {@code url:} (Streamable HTTP) or {@code command:} with an optional {@code env:} (stdio), never both. */
  private static @Nullable McpTransport readTransport(LocatedYaml doc, String path, JsonNode root,
      List<Problem> problems) {
    if (root.has("url") && root.has("command")) {
      problems.add(at(doc, path, FieldPath.of("command"), "give either url (a Streamable HTTP endpoint) or command"
          + " (a stdio server Warden starts), not both"));
      return null;
    }
    if (root.has("command")) {
      JsonNode cmd = root.path("command");
      List<String> argv = new ArrayList<>();
      if (cmd.isArray()) {
        cmd.forEach(a -> argv.add(a.isTextual() ? a.asText() : ""));
      }
      if (!cmd.isArray() || argv.isEmpty() || argv.contains("") || argv.getFirst().isBlank()) {
        problems.add(at(doc, path, FieldPath.of("command"), "command must be a non-empty list of strings, the program"
            + " and its arguments (no shell), such as [python3, -m, erp_mcp]"));
        return null;
      }
      Map<String, String> env = new LinkedHashMap<>();
      if (root.has("env")) {
        JsonNode e = root.path("env");
        if (!e.isObject()) {
          problems.add(at(doc, path, FieldPath.of("env"), "env must be a mapping of variable names to strings"));
          return null;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> v = it.next();
          if (!ENV_NAME.matcher(v.getKey()).matches() || !v.getValue().isValueNode() || v.getValue().isNull()) {
            problems.add(at(doc, path, FieldPath.of("env", v.getKey()), "env." + v.getKey() + " must be a variable"
                + " name (letters, digits, '_') with a string value"));
            return null;
          }
          env.put(v.getKey(), v.getValue().asText());
        }
      }
      return McpTransport.stdio(argv, env);
    }
    if (root.has("env")) {
      problems.add(at(doc, path, FieldPath.of("env"), "env applies to a stdio server only: add command, or remove env"));
      return null;
    }
    URI url = null;
    String rawUrl = root.path("url").asText("");
    try {
      url = new URI(rawUrl);
      if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
        url = null;
      }
    } catch (URISyntaxException e) {
      url = null;
    }
    if (url == null) {
      problems.add(at(doc, path, root.has("url") ? FieldPath.of("url") : FieldPath.ROOT,
          "url must be the server's Streamable HTTP endpoint, an absolute http(s) URL such as"
              + " https://erp.internal/mcp, got '" + rawUrl + "' (or give command: for a stdio server)"));
      return null;
    }
    return McpTransport.http(url);
  }

  private static McpTool readTool(LocatedYaml doc, String path, String server, int i, JsonNode t,
      List<Problem> problems) {
    FieldPath at = FieldPath.of("tools", i);
    if (!t.isObject()) {
      problems.add(at(doc, path, at, "expected a mapping with name, side_effects, cost_usd, value_pointer"));
      return null;
    }
    int before = problems.size();
    unknownKeys(doc, path, at, t, TOOL_KEYS, problems);
    String name = t.path("name").asText("");
    if (!t.path("name").isTextual() || !TOOL.matcher(name).matches()) {
      problems.add(at(doc, path, t.has("name") ? at.child("name") : at, "name must be the tool's name upstream:"
          + " 1-128 letters, digits, '_', '.', '-', got '" + name + "'"));
    }
    boolean sideEffects = true;
    if (t.has("side_effects")) {
      if (!t.path("side_effects").isBoolean()) {
        problems.add(at(doc, path, at.child("side_effects"), "side_effects must be true or false"));
      } else {
        sideEffects = t.path("side_effects").booleanValue();
      }
    }
    BigDecimal cost = BigDecimal.ZERO;
    if (t.has("cost_usd")) {
      if (!t.path("cost_usd").isNumber() || t.path("cost_usd").decimalValue().signum() < 0) {
        problems.add(at(doc, path, at.child("cost_usd"), "cost_usd must be a number of USD per call, 0 or more,"
            + " got '" + t.path("cost_usd").asText() + "'"));
      } else {
        cost = t.path("cost_usd").decimalValue();
      }
    }
    String pointer = "";
    if (t.has("value_pointer")) {
      pointer = t.path("value_pointer").asText("");
      if (!t.path("value_pointer").isTextual() || !pointer.startsWith("/")) {
        problems.add(at(doc, path, at.child("value_pointer"), "value_pointer must be a JSON pointer into the"
            + " arguments, such as /amount_usd, got '" + pointer + "'"));
      }
    }
    return problems.size() == before ? new McpTool(name, server, sideEffects, cost, pointer) : null;
  }

  private static void unknownKeys(LocatedYaml doc, String path, FieldPath at, JsonNode node, Set<String> known,
      List<Problem> problems) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(k)) {
        problems.add(at(doc, path, at.child(k), "unknown key '" + k + "': expected one of "
            + new java.util.TreeSet<>(known)));
      }
    }
  }

  private static Problem at(LocatedYaml doc, String path, FieldPath field, String message) {
    LocatedYaml.Position p = doc.keyOrValueAt(field);
    return new Problem(path, p.line(), p.column(), field.toString(), message);
  }

  /** For tests and the appliance: servers built by hand. */
  public static McpServers of(List<McpServer> servers) {
    Map<String, McpServer> byName = new LinkedHashMap<>();
    Map<String, McpTool> tools = new LinkedHashMap<>();
    for (McpServer s : Objects.requireNonNull(servers, "servers")) {
      byName.put(s.name(), s);
      for (McpTool t : s.tools()) {
        if (tools.putIfAbsent(t.name(), t) != null) {
          throw new IllegalArgumentException("tool '" + t.name() + "' is declared twice");
        }
      }
    }
    return new McpServers(byName, tools, "");
  }
}
