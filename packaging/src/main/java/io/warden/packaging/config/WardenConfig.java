package io.warden.packaging.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.core.Problem;
import io.warden.core.WardenException;
import io.warden.core.yaml.FieldPath;
import io.warden.core.yaml.LocatedYaml;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Warden's settings, flattened to dotted keys ({@code http.port}). Defaults come from the
 * {@code warden.yaml} bundled in the jar; a user file may set any of those keys and nothing else;
 * then {@code WARDEN_<KEY>} environment variables win. {@code WARDEN_DATA} is an alias for
 * {@code WARDEN_DATA_DIR}.
 */
public final class WardenConfig {
  private static final String DEFAULTS = "/warden.yaml";

  private final Map<String, String> values;

  private WardenConfig(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  /** Defaults only (plus environment). */
  public static WardenConfig defaults(Map<String, String> env) {
    return load(null, env);
  }

  /**
   * Loads defaults, then {@code file} when not null, then {@code env}. Unknown keys or values that
   * are not scalars are refused with file:line:col.
   */
  public static WardenConfig load(Path file, Map<String, String> env) {
    Map<String, String> values = new TreeMap<>();
    try (InputStream in = WardenConfig.class.getResourceAsStream(DEFAULTS)) {
      if (in == null) {
        throw new IllegalStateException("warden.yaml defaults missing from the jar; rebuild with ./warden run");
      }
      flatten("warden.yaml (defaults)", in.readAllBytes(), values, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> defaults = Map.copyOf(values);
    if (file != null) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        throw WardenException.invalid("cannot read config file " + file + ": " + e.getMessage());
      }
      flatten(file.toString(), bytes, values, Map.copyOf(values));
    }
    return resolve(defaults, file, values, env);
  }

  /**
   * Applies {@code env} over the parsed {@code values} and validates the result as a whole: every
   * problem (unknown {@code WARDEN_*} variables, wrong types, out-of-range values) is reported at
   * once, each located by where its value came from, before anything starts.
   */
  private static WardenConfig resolve(Map<String, String> defaults, Path file, Map<String, String> values,
      Map<String, String> env) {
    Map<String, String> origins = new TreeMap<>();
    values.forEach((k, v) -> origins.put(k, file != null && !v.equals(defaults.get(k))
        ? file.toString() : "warden.yaml (defaults)"));
    // A provider the file declares speaks the OpenAI API unless its api says otherwise (the seeded
    // anthropic says anthropic); the key is set so WARDEN_GATEWAY_PROVIDERS_<NAME>_API overrides it.
    for (String key : List.copyOf(values.keySet())) {
      if (ConfigValidation.isProviderKey(key) && !defaults.containsKey(key)) {
        String api = key.substring(0, key.lastIndexOf('.')) + ".api";
        if (values.putIfAbsent(api, "openai") == null) {
          origins.put(api, "warden.yaml (default of a declared provider)");
        }
      }
    }
    for (String key : List.copyOf(values.keySet())) {
      String envName = ConfigValidation.envName(key);
      String v = env.get(envName);
      if (v != null) {
        values.put(key, v);
        origins.put(key, "environment variable " + envName);
      }
    }
    if (env.get("WARDEN_DATA") != null) {
      values.put("data_dir", env.get("WARDEN_DATA"));
      origins.put("data_dir", "environment variable WARDEN_DATA");
    }
    List<Problem> problems = new ArrayList<>(ConfigValidation.unknownVariables(env, values.keySet()));
    problems.addAll(ConfigValidation.validate(values, defaults, origins::get));
    if (!problems.isEmpty()) {
      throw new WardenException("invalid_input", problems.size() == 1
          ? "invalid configuration: " + problems.get(0)
          : "invalid configuration, " + problems.size() + " problems:", problems);
    }
    return new WardenConfig(values);
  }

  /** Reads YAML into dotted keys; with {@code known} set, refuses keys not in it. */
  private static void flatten(String name, byte[] yaml, Map<String, String> out, Map<String, String> known) {
    LocatedYaml doc = LocatedYaml.read(name, yaml);
    List<Problem> problems = new ArrayList<>(doc.problems());
    if (problems.isEmpty()) {
      if (doc.empty()) {
        return; // an empty file keeps every default
      }
      if (!doc.root().isObject()) {
        throw WardenException.invalid(name + ": the top level must be a mapping of settings");
      }
      walk(name, doc, FieldPath.ROOT, doc.root(), out, known, problems);
    }
    if (!problems.isEmpty()) {
      throw new WardenException("invalid_input", "invalid configuration in " + name + ": " + problems.get(0), problems);
    }
  }

  private static void walk(String name, LocatedYaml doc, FieldPath path, JsonNode mapping, Map<String, String> out,
      Map<String, String> known, List<Problem> problems) {
    for (Map.Entry<String, JsonNode> entry : mapping.properties()) {
      FieldPath child = path.child(entry.getKey());
      String key = child.joined();
      LocatedYaml.Position at = doc.keyAt(child);
      JsonNode value = entry.getValue();
      if (value.isObject()) {
        walk(name, doc, child, value, out, known, problems);
        continue;
      }
      if (value.isArray()) {
        problems.add(new Problem(name, at.line(), at.column(), key, "lists are not settings here"));
        continue;
      }
      if (known != null && !known.containsKey(key) && !ConfigValidation.isProviderKey(key)) {
        problems.add(new Problem(name, at.line(), at.column(), key,
            "unknown setting; known settings: " + String.join(", ", known.keySet())));
        continue;
      }
      String written = doc.scalarTextAt(child); // numbers and booleans as written (1e3 stays 1e3)
      out.put(key, value.isNull() ? "" : written != null ? written : value.asText());
    }
  }

  /** The environment variable that overrides {@code key}: {@code http.port} -> {@code WARDEN_HTTP_PORT}. */
  public static String envName(String key) {
    return ConfigValidation.envName(key);
  }

  public String string(String key) {
    String v = values.get(key);
    if (v == null) {
      throw new IllegalArgumentException("no such setting: " + key);
    }
    return v;
  }

  /**
   * The listen address in {@code key} (e.g. {@code http.host}) as a client on this machine writes it
   * in a URL: a wildcard means loopback, and an IPv6 literal is bracketed.
   */
  public String reachableHost(String key) {
    String host = string(key).trim();
    return switch (host) {
      case "0.0.0.0", "" -> "127.0.0.1";
      case "::", "[::]" -> "[::1]";
      default -> host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    };
  }

  public int port(String key) {
    String v = string(key);
    try {
      int port = Integer.parseInt(v.trim());
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw WardenException.invalid(key + " must be a port number 0-65535, got '" + v + "'");
    }
  }

  public long positiveLong(String key) {
    String v = string(key);
    try {
      long n = Long.parseLong(v.trim());
      if (n <= 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw WardenException.invalid(key + " must be a positive whole number, got '" + v + "'");
    }
  }

  public Path path(String key) {
    return Path.of(string(key));
  }

  /** Every setting, for the startup log. */
  public Map<String, String> asMap() {
    return new LinkedHashMap<>(new TreeMap<>(values));
  }

  /** A copy with one value replaced (command-line flags such as {@code --data}). */
  public WardenConfig with(String key, String value) {
    string(key);
    Map<String, String> copy = new TreeMap<>(values);
    copy.put(key, value);
    return new WardenConfig(copy);
  }
}
