package io.warden.tracestore.pricing;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.warden.core.Problem;
import io.warden.core.WardenException;
import io.warden.core.budget.TokenPrices;
import io.warden.core.yaml.LocatedYaml;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Prices from {@code pricing.yaml} in the Warden repository: USD per million tokens per model (or
 * per pinned model revision), USD per call per tool, and USD per second of agent time. Immutable;
 * the trace store swaps a whole new instance in when {@code main} changes.
 *
 * <p>How a span is priced ({@link #price}):
 * <ul>
 *   <li>tokens: {@code (input - cached) x input + cached x cached_input + output x output}, per
 *       million, at the price of the first match among {@code response@revision},
 *       {@code response}, {@code request@revision}, {@code request}, then a configured model whose
 *       name plus a date stamp ({@code gpt-4o} for {@code gpt-4o-2024-08-06}) is the span's model.
 *       Cached tokens are counted inside the input tokens, as the GenAI conventions define them;
 *       so are prompt-cache writes, which add Anthropic's premium on top (0.25x input for the
 *       5-minute cache, {@link TokenPrices#costUsd(String, String, long, long, long, long, long)},
 *       the rule the model gateway settles budgets with);
 *   <li>actions: {@code execute_tool} spans cost the tool's per-call price (exact name, then the
 *       last path segment of {@code mcp://gateway/<tool>}, then {@code default});
 *   <li>compute: {@code invoke_agent} spans cost their duration times the agent's rate.
 * </ul>
 */
public final class Pricing {
  /** Path of the pricing file in the Warden repository. */
  public static final String FILE = "pricing.yaml";

  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
  private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);
  /** Costs are kept to the nano-dollar. */
  public static final int SCALE = 9;
  private static final Pattern DATE_STAMP = Pattern.compile("(\\d{4}-?\\d{2}-?\\d{2}|latest)");
  private static final Set<String> TOP_KEYS = Set.of("version", "models", "tools", "compute");
  private static final Set<String> MODEL_KEYS = Set.of("input_per_mtok", "output_per_mtok", "cached_input_per_mtok");
  private static final Set<String> COMPUTE_KEYS = Set.of("usd_per_agent_second", "agents");
  private static final Pricing NONE = new Pricing(Map.of(), Map.of(), BigDecimal.ZERO, Map.of(), "");

  private final Map<String, ModelPrice> models;
  private final Map<String, BigDecimal> tools;
  private final BigDecimal computePerSecond;
  private final Map<String, BigDecimal> computePerAgent;
  private final String source;

  /** USD per million tokens. */
  public record ModelPrice(BigDecimal inputPerMTok, BigDecimal outputPerMTok, BigDecimal cachedInputPerMTok) {
    public ModelPrice {
      Objects.requireNonNull(inputPerMTok, "inputPerMTok");
      Objects.requireNonNull(outputPerMTok, "outputPerMTok");
      Objects.requireNonNull(cachedInputPerMTok, "cachedInputPerMTok");
    }
  }

  /**
   * A span's priced cost by kind.
   *
   * @param unpricedModel the model that had tokens but no price, or ""
   */
  public record Cost(BigDecimal tokensUsd, BigDecimal actionsUsd, BigDecimal computeUsd, String unpricedModel) {
    public static final Cost ZERO = new Cost(BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, "");

    public BigDecimal totalUsd() {
      return tokensUsd.add(actionsUsd).add(computeUsd);
    }
  }

  /**
   * What pricing looks at in a span.
   *
   * @param cacheWriteTokens input tokens written to the provider's prompt cache (counted inside
   *     {@code inputTokens}); priced as Anthropic's 5-minute cache writes
   */
  public record SpanFacts(
      String operation, String agent, String requestModel, String responseModel, String modelRevision,
      long inputTokens, long outputTokens, long cachedTokens, long cacheWriteTokens, String toolName,
      long durationNanos) {
    /** A span that wrote nothing to a prompt cache. */
    public SpanFacts(String operation, String agent, String requestModel, String responseModel, String modelRevision,
        long inputTokens, long outputTokens, long cachedTokens, String toolName, long durationNanos) {
      this(operation, agent, requestModel, responseModel, modelRevision, inputTokens, outputTokens, cachedTokens, 0,
          toolName, durationNanos);
    }
  }

  private Pricing(Map<String, ModelPrice> models, Map<String, BigDecimal> tools, BigDecimal computePerSecond,
      Map<String, BigDecimal> computePerAgent, String source) {
    this.models = Map.copyOf(models);
    this.tools = Map.copyOf(tools);
    this.computePerSecond = computePerSecond;
    this.computePerAgent = Map.copyOf(computePerAgent);
    this.source = source;
  }

  /** Prices nothing: every span costs 0 (used when {@code main} has no pricing file). */
  public static Pricing none() {
    return NONE;
  }

  /** The commit or file the prices came from ("" for {@link #none()}). */
  public String source() {
    return source;
  }

  public Map<String, ModelPrice> models() {
    return models;
  }

  public Map<String, BigDecimal> tools() {
    return tools;
  }

  public BigDecimal computeUsdPerSecond(String agent) {
    return computePerAgent.getOrDefault(agent, computePerSecond);
  }

  /** The {@code pricing.yaml} a new Warden repository starts with. */
  public static byte[] seedYaml() {
    try (InputStream in = Pricing.class.getResourceAsStream("seed-pricing.yaml")) {
      if (in == null) {
        throw new IllegalStateException("seed-pricing.yaml missing from the trace-store jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Parses and validates a pricing file. Refused whole, with every problem located
   * ({@code pricing.yaml:12:5: models.gpt-4o.input_per_mtok: ...}).
   *
   * @throws WardenException {@code invalid_input} listing the problems
   */
  public static Pricing parse(String file, byte[] yaml) {
    Objects.requireNonNull(file, "file");
    JsonNode root;
    ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
    try {
      root = mapper.readTree(yaml);
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      throw invalid(file, List.of(new Problem(file, loc == null ? 0 : Math.max(0, loc.getLineNr()),
          loc == null ? 0 : Math.max(0, loc.getColumnNr()), "", "not valid YAML: " + e.getOriginalMessage()
              .toLowerCase(Locale.ROOT))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Locator at = new Locator(file, yaml);
    List<Problem> problems = new ArrayList<>();
    if (root == null || root.isNull() || root.isMissingNode()) {
      throw invalid(file, List.of(Problem.ofFile(file, "empty file: expected models, tools and compute")));
    }
    if (!root.isObject()) {
      throw invalid(file, List.of(at.problem("", "expected a mapping with models, tools and compute")));
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!TOP_KEYS.contains(k)) {
        problems.add(at.problem(k, "unknown key '" + k + "': expected one of version, models, tools, compute"));
      }
    }
    JsonNode version = root.get("version");
    if (version != null && !(version.isInt() && version.asInt() == 1)) {
      problems.add(at.problem("version", "unsupported version " + version + ": expected 1"));
    }
    Map<String, ModelPrice> models = new HashMap<>();
    JsonNode m = root.get("models");
    if (m != null && !m.isNull()) {
      if (!m.isObject()) {
        problems.add(at.problem("models", "expected a mapping of model name to prices"));
      } else {
        m.fields().forEachRemaining(e -> {
          String path = "models." + e.getKey();
          JsonNode p = e.getValue();
          if (!p.isObject()) {
            problems.add(at.problem(path, "expected input_per_mtok, output_per_mtok and cached_input_per_mtok"));
            return;
          }
          p.fieldNames().forEachRemaining(k -> {
            if (!MODEL_KEYS.contains(k)) {
              problems.add(at.problem(path + "." + k,
                  "unknown key '" + k + "': expected input_per_mtok, output_per_mtok, cached_input_per_mtok"));
            }
          });
          BigDecimal in = money(p, "input_per_mtok", path, true, at, problems);
          BigDecimal out = money(p, "output_per_mtok", path, true, at, problems);
          BigDecimal cached = money(p, "cached_input_per_mtok", path, false, at, problems);
          if (in != null && out != null) {
            models.put(normalize(e.getKey()), new ModelPrice(in, out, cached == null ? in : cached));
          }
        });
      }
    }
    Map<String, BigDecimal> tools = new HashMap<>();
    JsonNode t = root.get("tools");
    if (t != null && !t.isNull()) {
      if (!t.isObject()) {
        problems.add(at.problem("tools", "expected a mapping of tool name to USD per call"));
      } else {
        t.fields().forEachRemaining(e -> {
          BigDecimal v = money(t, e.getKey(), "tools", true, at, problems);
          if (v != null) {
            tools.put(e.getKey(), v);
          }
        });
      }
    }
    BigDecimal perSecond = BigDecimal.ZERO;
    Map<String, BigDecimal> perAgent = new HashMap<>();
    JsonNode c = root.get("compute");
    if (c != null && !c.isNull()) {
      if (!c.isObject()) {
        problems.add(at.problem("compute", "expected usd_per_agent_second and optional agents"));
      } else {
        c.fieldNames().forEachRemaining(k -> {
          if (!COMPUTE_KEYS.contains(k)) {
            problems.add(at.problem("compute." + k, "unknown key '" + k + "': expected usd_per_agent_second, agents"));
          }
        });
        BigDecimal v = money(c, "usd_per_agent_second", "compute", false, at, problems);
        perSecond = v == null ? BigDecimal.ZERO : v;
        JsonNode agents = c.get("agents");
        if (agents != null && !agents.isNull()) {
          if (!agents.isObject()) {
            problems.add(at.problem("compute.agents", "expected a mapping of agent name to USD per second"));
          } else {
            agents.fieldNames().forEachRemaining(a -> {
              BigDecimal r = money(agents, a, "compute.agents", true, at, problems);
              if (r != null) {
                perAgent.put(a, r);
              }
            });
          }
        }
      }
    }
    if (!problems.isEmpty()) {
      throw invalid(file, problems);
    }
    return new Pricing(models, tools, perSecond, perAgent, file);
  }

  private static WardenException invalid(String file, List<Problem> problems) {
    String first = problems.get(0).toString();
    String more = problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : "";
    return new WardenException("invalid_input", "invalid " + file + ": " + first + more, problems);
  }

  private static BigDecimal money(JsonNode parent, String key, String parentPath, boolean required, Locator at,
      List<Problem> problems) {
    String path = parentPath.isEmpty() ? key : parentPath + "." + key;
    JsonNode v = parent.get(key);
    if (v == null || v.isNull()) {
      if (required) {
        problems.add(at.problem(parentPath, "missing " + key + ": expected a USD amount such as 2.50"));
      }
      return null;
    }
    if (!v.isNumber()) {
      problems.add(at.problem(path, "expected a USD amount such as 2.50, got '" + v.asText() + "'"));
      return null;
    }
    BigDecimal d = v.decimalValue();
    if (d.signum() < 0) {
      problems.add(at.problem(path, "price must not be negative, got " + d.toPlainString()));
      return null;
    }
    return d;
  }

  private static String normalize(String model) {
    String m = model.trim().toLowerCase(Locale.ROOT);
    int at = m.indexOf('@');
    String name = at < 0 ? m : m.substring(0, at);
    int slash = name.lastIndexOf('/');
    if (slash >= 0) {
      name = name.substring(slash + 1);
    }
    return at < 0 ? name : name + m.substring(at);
  }

  /** The price for a span's model, or null when no configured model matches. */
  public ModelPrice modelPrice(String requestModel, String responseModel, String revision) {
    String rev = revision == null ? "" : revision.trim().toLowerCase(Locale.ROOT);
    for (String candidate : new String[] {responseModel, requestModel}) {
      if (candidate == null || candidate.isBlank()) {
        continue;
      }
      String m = normalize(candidate);
      if (!rev.isEmpty()) {
        ModelPrice p = models.get(m + "@" + rev);
        if (p != null) {
          return p;
        }
      }
      ModelPrice p = models.get(m);
      if (p != null) {
        return p;
      }
    }
    for (String candidate : new String[] {responseModel, requestModel}) {
      if (candidate == null || candidate.isBlank()) {
        continue;
      }
      String m = normalize(candidate);
      ModelPrice best = null;
      int bestLen = -1;
      for (var e : models.entrySet()) {
        String k = e.getKey();
        if (k.indexOf('@') < 0 && k.length() > bestLen && m.startsWith(k + "-")
            && DATE_STAMP.matcher(m.substring(k.length() + 1)).matches()) {
          best = e.getValue();
          bestLen = k.length();
        }
      }
      if (best != null) {
        return best;
      }
    }
    return null;
  }

  /** The per-call price of a tool. */
  public BigDecimal toolPrice(String tool) {
    BigDecimal p = tools.get(tool);
    if (p == null) {
      int slash = tool.lastIndexOf('/');
      if (slash >= 0) {
        p = tools.get(tool.substring(slash + 1));
      }
    }
    if (p == null) {
      p = tools.getOrDefault("default", BigDecimal.ZERO);
    }
    return p;
  }

  /** Prices one span: tokens + action + compute. */
  public Cost price(SpanFacts s) {
    BigDecimal tokens = BigDecimal.ZERO;
    String unpriced = "";
    if (s.inputTokens() > 0 || s.outputTokens() > 0 || s.cachedTokens() > 0) {
      ModelPrice p = modelPrice(s.requestModel(), s.responseModel(), s.modelRevision());
      if (p == null) {
        unpriced = s.responseModel().isEmpty() ? s.requestModel() : s.responseModel();
        if (unpriced.isEmpty()) {
          unpriced = "(no model)";
        }
      } else {
        // Cache writes by the gateways' rule (TokenPrices), so a call costs the same priced either way.
        tokens = Objects.requireNonNull(tokenPrices(p).costUsd("", "", s.inputTokens(), s.outputTokens(),
            s.cachedTokens(), s.cacheWriteTokens(), 0));
      }
    }
    BigDecimal action = BigDecimal.ZERO;
    if ("execute_tool".equals(s.operation()) && !s.toolName().isEmpty()) {
      action = toolPrice(s.toolName()).setScale(SCALE, RoundingMode.HALF_UP);
    }
    BigDecimal compute = BigDecimal.ZERO;
    if ("invoke_agent".equals(s.operation()) && s.durationNanos() > 0) {
      compute = computeUsdPerSecond(s.agent()).multiply(BigDecimal.valueOf(s.durationNanos()))
          .divide(NANOS_PER_SECOND, SCALE, RoundingMode.HALF_UP);
    }
    return new Cost(tokens.setScale(SCALE, RoundingMode.HALF_UP), action.setScale(SCALE, RoundingMode.HALF_UP),
        compute.setScale(SCALE, RoundingMode.HALF_UP), unpriced);
  }

  /** Tokens at {@code p}: {@code (input - cached) x input + cached x cached_input + output x output}, per million. */
  private static TokenPrices tokenPrices(ModelPrice p) {
    return (model, revision, inputTokens, outputTokens, cachedTokens) -> {
      long cached = Math.max(0, Math.min(cachedTokens, inputTokens));
      long uncached = Math.max(0, inputTokens - cached);
      return p.inputPerMTok().multiply(BigDecimal.valueOf(uncached))
          .add(p.cachedInputPerMTok().multiply(BigDecimal.valueOf(cached)))
          .add(p.outputPerMTok().multiply(BigDecimal.valueOf(Math.max(0, outputTokens))))
          .divide(MILLION, SCALE, RoundingMode.HALF_UP);
    };
  }

  /** Finds the line and column of a dotted path in the YAML text, for error messages. */
  private static final class Locator {
    private final String file;
    private final LocatedYaml yaml;

    Locator(String file, byte[] yaml) {
      this.file = file;
      this.yaml = LocatedYaml.read(file, yaml);
    }

    Problem problem(String path, String message) {
      LocatedYaml.Position at = path.isEmpty() ? LocatedYaml.Position.UNKNOWN
          : yaml.find(path).orElse(LocatedYaml.Position.UNKNOWN);
      return new Problem(file, at.line(), at.column(), path, message);
    }
  }
}
