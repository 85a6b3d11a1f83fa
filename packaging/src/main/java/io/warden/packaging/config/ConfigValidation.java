package io.warden.packaging.config;

import io.warden.core.Problem;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Checks every setting's type and range once it is parsed, before anything starts, so that
 * {@code http.port: abc} is refused in a second instead of after OPA and the trace store started.
 * Works on the flattened values only (no YAML), whichever reader produced them.
 *
 * <p>A setting's kind follows from its name, so a key added to {@code warden.yaml} is checked
 * without a rule here: {@code port} and {@code *_port} are ports, {@code *_bytes}, {@code *_ms},
 * {@code *_days}, {@code *_seconds} and {@code *_hours} positive whole numbers, {@code max_*} and
 * {@code default_max_*} (counts) whole numbers from 1 to 2^31-1, {@code url} and {@code *_url} empty
 * or an absolute URL; any other key whose default is a whole number stays a whole number, one whose
 * default is {@code true}/{@code false} a boolean.
 */
final class ConfigValidation {
  /**
   * {@code WARDEN_*} environment variables that are not settings: the launcher's, the CLI's and the
   * test tools'. Any other {@code WARDEN_*} variable must name a setting.
   */
  static final Set<String> NOT_SETTINGS = Set.of(
      "WARDEN_DATA",             // alias of data_dir
      "WARDEN_TOKEN",            // the CLI's API token
      "WARDEN_URL",              // the CLI's server URL
      "WARDEN_JAVA_OPTS",        // extra JVM options for the launcher
      "WARDEN_ROOT",             // the checkout the launcher runs from
      "WARDEN_LOG_LEVEL",        // the root log level (logback.xml)
      "WARDEN_CLI_CACHE",        // where the launcher keeps the CLI's class-data archive
      "WARDEN_BENCH_JAVA_OPTS",  // JVM options for ./warden bench
      "WARDEN_CHDB_PYTHON");     // the python with chDB, for the ClickHouse tests

  /** A provider's keys, {@code <name>} as {@code spec.model.provider} is written but without dots. */
  private static final java.util.regex.Pattern PROVIDER_KEY =
      java.util.regex.Pattern.compile("gateway\\.providers\\.[a-z0-9][a-z0-9_-]*\\.(base_url|api_key_env|prompt_cache_key|api)");

  private ConfigValidation() {}

  /**
   * Every problem with {@code values} (dotted keys), each located by {@code origin} (where a key's
   * value came from), in key order; empty when the configuration is usable.
   */
  static List<Problem> validate(Map<String, String> values, Map<String, String> defaults,
      Function<String, String> origin) {
    List<Problem> problems = new ArrayList<>();
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(values).entrySet()) {
      String key = e.getKey();
      String error = check(key, e.getValue(), defaults.getOrDefault(key, ""));
      if (error != null) {
        problems.add(new Problem(origin.apply(key), 0, 0, key, error));
      }
    }
    Long span = wholeNumber(values.get("trace_store.retention.span_days"));
    Long text = wholeNumber(values.get("trace_store.retention.text_days"));
    if (span != null && text != null && text > span) {
      problems.add(new Problem(origin.apply("trace_store.retention.text_days"), 0, 0,
          "trace_store.retention.text_days", "must not exceed trace_store.retention.span_days (" + span
              + "), got " + text));
    }
    return problems;
  }

  /** Environment variables named {@code WARDEN_*} that are neither a setting nor in {@link #NOT_SETTINGS}. */
  static List<Problem> unknownVariables(Map<String, String> env, Set<String> keys) {
    Set<String> settings = new TreeSet<>();
    keys.forEach(k -> settings.add(envName(k)));
    List<Problem> problems = new ArrayList<>();
    for (String name : new TreeSet<>(env.keySet())) {
      if (!name.startsWith("WARDEN_") || settings.contains(name) || NOT_SETTINGS.contains(name)) {
        continue;
      }
      String near = closest(name, settings);
      problems.add(new Problem("environment variable " + name, 0, 0, "",
          "not a Warden setting" + (near == null ? "" : "; did you mean " + near + "?")
              + " Settings are WARDEN_ + the key in upper case with dots as underscores (http.port -> "
              + "WARDEN_HTTP_PORT); unset it or see warden.yaml"));
    }
    return problems;
  }

  /**
   * Keys of a model provider the file declares beyond the seeded ones:
   * {@code gateway.providers.<name>.base_url}, {@code .api_key_env}, {@code .prompt_cache_key} and {@code .api},
   * {@code <name>} as a descriptor's {@code spec.model.provider} is written (the gateway forwards
   * that provider's calls there). Once declared, its keys are settings like any other (environment
   * variables override them).
   */
  static boolean isProviderKey(String key) {
    return PROVIDER_KEY.matcher(key).matches();
  }

  /** {@code http.port} -> {@code WARDEN_HTTP_PORT}. */
  static String envName(String key) {
    return "WARDEN_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  /** Null when {@code value} suits {@code key}, else what is wrong. */
  static String check(String key, String value, String defaultValue) {
    String name = key.substring(key.lastIndexOf('.') + 1);
    String v = value.trim();
    if (name.equals("port") || name.endsWith("_port")) {
      Long n = wholeNumber(v);
      return n != null && n >= 0 && n <= 65535 ? null
          : "must be a port number 0-65535 (0: any free port), got '" + value + "'";
    }
    if (name.endsWith("_bytes") || name.endsWith("_ms") || name.endsWith("_days") || name.endsWith("_seconds")
        || name.endsWith("_hours")) {
      Long n = wholeNumber(v);
      return n != null && n > 0 ? null : "must be a positive whole number, got '" + value + "'";
    }
    if (name.startsWith("max_") || name.startsWith("default_max_")) {
      Long n = wholeNumber(v);
      return n != null && n > 0 && n <= Integer.MAX_VALUE ? null
          : "must be a whole number from 1 to " + Integer.MAX_VALUE + ", got '" + value + "'";
    }
    if (name.equals("url") || name.endsWith("_url")) {
      return v.isEmpty() || absoluteUrl(v) ? null
          : "must be empty or an absolute URL such as " + (key.contains("clickhouse")
              ? "jdbc:clickhouse://host:8123/warden" : "http://host:8181") + ", got '" + value + "'";
    }
    if (name.equals("host") || name.equals("data_dir") || name.endsWith("_binary")) {
      return v.isEmpty() ? "must not be empty" : null;
    }
    if (name.equals("api") && isProviderKey(key)) {
      return v.equals("openai") || v.equals("anthropic") ? null
          : "must be openai (the provider speaks Chat Completions and Responses) or anthropic (it speaks Messages),"
              + " got '" + value + "'";
    }
    if (wholeNumber(defaultValue.trim()) != null) {
      return wholeNumber(v) != null ? null : "must be a whole number, got '" + value + "'";
    }
    // A declared provider's prompt_cache_key has no default to tell its kind.
    if (defaultValue.equals("true") || defaultValue.equals("false")
        || (name.equals("prompt_cache_key") && isProviderKey(key))) {
      return v.equals("true") || v.equals("false") ? null : "must be true or false, got '" + value + "'";
    }
    return null;
  }

  private static boolean absoluteUrl(String v) {
    try {
      URI uri = URI.create(v.startsWith("jdbc:") ? v.substring("jdbc:".length()) : v);
      return uri.getScheme() != null && uri.getHost() != null;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static Long wholeNumber(String v) {
    if (v == null) {
      return null;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The candidate at edit distance 1 or 2 from {@code name}, if any (a typo). */
  private static String closest(String name, Set<String> candidates) {
    String best = null;
    int bestDistance = 3;
    for (String c : candidates) {
      int d = distance(name, c);
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    return best;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
