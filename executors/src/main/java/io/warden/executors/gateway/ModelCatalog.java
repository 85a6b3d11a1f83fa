package io.warden.executors.gateway;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.warden.core.Problem;
import io.warden.core.WardenException;
import io.warden.core.change.ChangeCheck;
import io.warden.core.change.CheckResult;
import io.warden.core.change.ProposedChange;
import io.warden.core.descriptor.AgentDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@code models.yaml} in the Warden repository: which provider snapshot id a pinned model revision
 * means. An explicit entry ({@code models.<provider>.<name>.<revision>}) wins; otherwise the
 * provider's naming template builds the id ({@code naming.<provider>}, then {@code naming.default}).
 * Immutable; the gateway swaps a new instance in when {@code main} changes.
 */
public final class ModelCatalog {
  /** Path of the file in the Warden repository. */
  public static final String FILE = "models.yaml";

  private static final Set<String> TOP_KEYS = Set.of("version", "naming", "models");
  private static final String FALLBACK_TEMPLATE = "{name}-{revision}";

  private final Map<String, String> naming;
  private final Map<String, String> snapshots;
  private final String source;

  private ModelCatalog(Map<String, String> naming, Map<String, String> snapshots, String source) {
    this.naming = Map.copyOf(naming);
    this.snapshots = Map.copyOf(snapshots);
    this.source = source;
  }

  /** The {@code models.yaml} a new Warden repository starts with. */
  public static byte[] seedYaml() {
    try (InputStream in = ModelCatalog.class.getResourceAsStream("seed-models.yaml")) {
      if (in == null) {
        throw new IllegalStateException("seed-models.yaml missing from the warden-executors jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Files a new Warden repository starts with: {@code models.yaml}. */
  public static Map<String, byte[]> seedFiles() {
    return Map.of(FILE, seedYaml());
  }

  /** The catalog of the built-in seed. */
  public static ModelCatalog seed() {
    return parse(FILE + " (built-in seed)", seedYaml());
  }

  /** Where the catalog came from. */
  public String source() {
    return source;
  }

  /**
   * Parses and validates a catalog; refused whole with every problem named.
   *
   * @throws WardenException {@code invalid_input} listing the problems
   */
  public static ModelCatalog parse(String file, byte[] yaml) {
    Objects.requireNonNull(file, "file");
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      throw invalid(file, List.of(new Problem(file, loc == null ? 0 : Math.max(0, loc.getLineNr()),
          loc == null ? 0 : Math.max(0, loc.getColumnNr()), "", "not valid YAML: " + e.getOriginalMessage())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (root == null || !root.isObject()) {
      throw invalid(file, List.of(Problem.ofFile(file, "expected a mapping with version, naming and models")));
    }
    List<Problem> problems = new ArrayList<>();
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!TOP_KEYS.contains(k)) {
        problems.add(problem(file, k, "unknown key '" + k + "': expected version, naming, models"));
      }
    }
    JsonNode version = root.get("version");
    if (version != null && !(version.isInt() && version.asInt() == 1)) {
      problems.add(problem(file, "version", "unsupported version " + version + ": expected 1"));
    }
    Map<String, String> naming = new HashMap<>();
    JsonNode n = root.get("naming");
    if (n != null && !n.isNull()) {
      if (!n.isObject()) {
        problems.add(problem(file, "naming", "expected a mapping of provider to a template such as {name}-{revision}"));
      } else {
        n.fields().forEachRemaining(e -> {
          String t = e.getValue().isTextual() ? e.getValue().asText() : "";
          if (!t.contains("{name}")) {
            problems.add(problem(file, "naming." + e.getKey(),
                "expected a template containing {name}, such as {name}-{revision}, got '" + e.getValue().asText() + "'"));
          } else {
            naming.put(e.getKey(), t);
          }
        });
      }
    }
    Map<String, String> snapshots = new HashMap<>();
    JsonNode m = root.get("models");
    if (m != null && !m.isNull()) {
      if (!m.isObject()) {
        problems.add(problem(file, "models", "expected provider -> model -> revision -> snapshot id"));
      } else {
        m.fields().forEachRemaining(p -> {
          if (!p.getValue().isObject()) {
            problems.add(problem(file, "models." + p.getKey(), "expected model -> revision -> snapshot id"));
            return;
          }
          p.getValue().fields().forEachRemaining(model -> {
            String path = "models." + p.getKey() + "." + model.getKey();
            if (!model.getValue().isObject()) {
              problems.add(problem(file, path, "expected revision -> snapshot id"));
              return;
            }
            model.getValue().fields().forEachRemaining(rev -> {
              String id = rev.getValue().isTextual() ? rev.getValue().asText().strip() : "";
              if (id.isEmpty() || id.chars().anyMatch(Character::isWhitespace)) {
                problems.add(problem(file, path + "." + rev.getKey(),
                    "expected a snapshot id without spaces, such as gpt-4o-2024-08-06, got '" + rev.getValue().asText() + "'"));
              } else {
                snapshots.put(key(p.getKey(), model.getKey(), rev.getKey()), id);
              }
            });
          });
        });
      }
    }
    if (!problems.isEmpty()) {
      throw invalid(file, problems);
    }
    return new ModelCatalog(naming, snapshots, file);
  }

  /**
   * The change check {@value #CHECK}: a change request whose {@code models.yaml} does not parse, or
   * breaks the file's rules, cannot merge. Without a {@code models.yaml} the built-in naming applies.
   */
  public static ChangeCheck changeCheck() {
    return ChangeCheck.of(CHECK, ModelCatalog::check);
  }

  private static CheckResult check(ProposedChange change) {
    byte[] file = change.head().files().get(FILE);
    if (file == null) {
      return CheckResult.passed(CHECK, FILE + " absent: snapshots follow the built-in naming");
    }
    try {
      parse(FILE, file);
      return CheckResult.passed(CHECK, FILE + " is valid");
    } catch (WardenException e) {
      return CheckResult.failed(CHECK, e.problems().isEmpty()
          ? List.of(Problem.ofFile(FILE, e.getMessage())) : e.problems());
    }
  }

  /** Name of the change check that validates {@code models.yaml}. */
  public static final String CHECK = "models";

  /** The snapshot id a pinned model means, e.g. {@code claude-opus-4-7-20260214}. */
  public String snapshot(AgentDescriptor.Model model) {
    Objects.requireNonNull(model, "model");
    return snapshot(model.provider(), model.name(), model.pinnedRevision());
  }

  /** The snapshot id for {@code provider / name / revision}. */
  public String snapshot(String provider, String name, String revision) {
    String explicit = snapshots.get(key(provider, name, revision));
    if (explicit != null) {
      return explicit;
    }
    String template = naming.getOrDefault(provider, naming.getOrDefault("default", FALLBACK_TEMPLATE));
    return template.replace("{name}", name)
        .replace("{revision_compact}", revision.replace("-", ""))
        .replace("{revision}", revision);
  }

  private static String key(String provider, String name, String revision) {
    return provider + "\u0000" + name + "\u0000" + revision;
  }

  private static Problem problem(String file, String field, String message) {
    return new Problem(file, 0, 0, field, message);
  }

  private static WardenException invalid(String file, List<Problem> problems) {
    String more = problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : "";
    return new WardenException("invalid_input", "invalid " + file + ": " + problems.get(0) + more, problems);
  }
}
