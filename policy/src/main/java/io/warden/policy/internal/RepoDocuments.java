package io.warden.policy.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.warden.core.Problem;
import io.warden.core.change.RepoSnapshot;
import io.warden.core.descriptor.DescriptorParser;
import io.warden.core.yaml.LocatedYaml;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads what policies need from a tree of the Warden repository: agent descriptors (validated by
 * core's {@link DescriptorParser}, as JSON with the schema's snake_case names), the tool allow-list
 * {@value #TOOLS_FILE}, and {@value #PRICING_FILE}; and finds the line and column of a field such as
 * {@code spec.tools[1]} in a YAML file, so policy messages point where the user must edit.
 *
 * <p>Internal: not public API.
 */
public final class RepoDocuments {

  public static final String AGENTS_DIR = "agents/";
  public static final String TOOLS_FILE = "tools/allowed.yaml";
  public static final String PRICING_FILE = "pricing.yaml";

  private static final ObjectMapper YAML_TREE = new YAMLMapper();

  private final ObjectMapper json;
  private final DescriptorParser parser = DescriptorParser.create();

  public RepoDocuments(ObjectMapper json) {
    this.json = json;
  }

  /** A descriptor file read for policy: its agent name and JSON, or the problems that stop it. */
  public record Agent(String file, String name, JsonNode descriptor, List<Problem> problems) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  public static boolean isDescriptor(String path) {
    return path.startsWith(AGENTS_DIR) && (path.endsWith(".yaml") || path.endsWith(".yml"));
  }

  /** Every descriptor file of {@code tree}, read. */
  public List<Agent> agents(RepoSnapshot tree) {
    List<Agent> out = new ArrayList<>();
    tree.under(AGENTS_DIR).forEach((path, content) -> {
      if (isDescriptor(path)) {
        out.add(agent(path, content));
      }
    });
    return out;
  }

  /**
   * Reads one descriptor. Core's parser decides validity; the JSON policies see is the parsed
   * descriptor in the schema's field names. (While core's parser is not available, the YAML tree
   * itself is used.)
   */
  public Agent agent(String path, byte[] content) {
    DescriptorParser.Result result;
    try {
      result = parser.parse(path, content);
    } catch (UnsupportedOperationException e) {
      return agentFromTree(path, content);
    }
    if (!result.ok()) {
      return new Agent(path, "", null, result.problems());
    }
    return new Agent(path, result.descriptor().name(), json.valueToTree(result.descriptor()), List.of());
  }

  private Agent agentFromTree(String path, byte[] content) {
    try {
      JsonNode tree = YAML_TREE.readTree(content);
      String name = tree == null ? "" : tree.path("metadata").path("name").asText("");
      if (name.isEmpty()) {
        return new Agent(path, "", null, List.of(Problem.ofFile(path, "metadata.name is missing")));
      }
      return new Agent(path, name, json.valueToTree(tree), List.of());
    } catch (JsonProcessingException e) {
      return new Agent(path, "", null, List.of(yamlProblem(path, e)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Valid agents of {@code tree} by name; invalid files are left out (the schema check reports them). */
  public SortedMap<String, JsonNode> validAgents(RepoSnapshot tree) {
    SortedMap<String, JsonNode> out = new TreeMap<>();
    for (Agent a : agents(tree)) {
      if (a.ok()) {
        out.put(a.name(), a.descriptor());
      }
    }
    return out;
  }

  /** The allow-list: {@code allowed:} a list of tool ids. Absent file: empty list. */
  public AllowList allowedTools(RepoSnapshot tree) {
    Optional<byte[]> content = Optional.ofNullable(tree.files().get(TOOLS_FILE));
    if (content.isEmpty()) {
      return new AllowList(List.of(), List.of());
    }
    JsonNode root;
    try {
      root = YAML_TREE.readTree(content.get());
    } catch (JsonProcessingException e) {
      return new AllowList(List.of(), List.of(yamlProblem(TOOLS_FILE, e)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    JsonNode allowed = root == null ? null : root.get("allowed");
    if (allowed == null || !allowed.isArray()) {
      return new AllowList(List.of(), List.of(new Problem(TOOLS_FILE, 1, 1, "allowed",
          "expected a list of tool ids under 'allowed:', e.g. allowed: [mcp://gateway/ledger-read]")));
    }
    List<String> tools = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    for (int i = 0; i < allowed.size(); i++) {
      JsonNode t = allowed.get(i);
      if (t.isTextual() && !t.asText().isBlank()) {
        tools.add(t.asText());
      } else {
        int[] at = locate(content.get(), "allowed[" + i + "]").orElse(new int[] {0, 0});
        problems.add(new Problem(TOOLS_FILE, at[0], at[1], "allowed[" + i + "]",
            "expected a tool id string such as mcp://gateway/ledger-read, got " + t.getNodeType().name().toLowerCase()));
      }
    }
    return new AllowList(List.copyOf(tools), problems);
  }

  /** @param tools the allowed tool ids; @param problems what is wrong with the file */
  public record AllowList(List<String> tools, List<Problem> problems) {}

  /** {@value #PRICING_FILE} as JSON, or null when absent or unreadable. */
  public JsonNode pricing(RepoSnapshot tree) {
    byte[] content = tree.files().get(PRICING_FILE);
    if (content == null) {
      return null;
    }
    try {
      return YAML_TREE.readTree(content);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Line and column (1-based) of a field in a YAML document: a mapping key for a path ending in a
   * name ({@code spec.model.pinned_revision}), the element for one ending in an index
   * ({@code spec.tools[1]}). Empty when the file does not parse or lacks the field; for a missing
   * leaf, the deepest existing parent is given.
   */
  public static Optional<int[]> locate(byte[] yaml, String fieldPath) {
    return LocatedYaml.read("", yaml).findNearest(fieldPath).map(at -> new int[] {at.line(), at.column()});
  }

  static Problem yamlProblem(String file, JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    return new Problem(file, at == null ? 0 : Math.max(0, at.getLineNr()), at == null ? 0 : Math.max(0, at.getColumnNr()),
        "", "malformed YAML: " + e.getOriginalMessage());
  }
}
