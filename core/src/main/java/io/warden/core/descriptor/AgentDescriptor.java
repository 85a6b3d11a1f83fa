package io.warden.core.descriptor;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An agent as declared in Git under {@code agents/<name>.yaml}. Field names on the wire are the
 * snake_case names of the published schema ({@code pinned_revision}); optional blocks are null when
 * absent. Instances come from {@link DescriptorParser}, which has already validated them against the
 * schema, so the compact constructors only guard the invariants code relies on.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentDescriptor(
    @JsonProperty("apiVersion") String apiVersion,
    @JsonProperty("kind") String kind,
    @JsonProperty("metadata") Metadata metadata,
    @JsonProperty("spec") Spec spec) {

  public static final String API_VERSION = "agent.os/v1";
  public static final String KIND = "Agent";

  public AgentDescriptor {
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(spec, "spec");
  }

  /** The agent's name, which is also its principal name. */
  public String name() {
    return metadata.name();
  }

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Metadata(
      @JsonProperty("name") String name,
      @JsonProperty("owner") String owner,
      @JsonProperty("labels") Map<String, String> labels) {
    public Metadata {
      Objects.requireNonNull(name, "name");
      labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Spec(
      @JsonProperty("model") Model model,
      @JsonProperty("memory") Memory memory,
      @JsonProperty("tools") List<String> tools,
      @JsonProperty("budgets") Budgets budgets,
      @JsonProperty("approval") Approval approval,
      @JsonProperty("executor") Executor executor,
      @JsonProperty("scaling") Scaling scaling,
      @JsonProperty("shadow") Shadow shadow,
      @JsonProperty("routing") Routing routing,
      @JsonProperty("delegates") List<String> delegates,
      @JsonProperty("autonomy") @Nullable Autonomy autonomy) {
    @JsonCreator
    public Spec {
      tools = tools == null ? List.of() : List.copyOf(tools);
      delegates = delegates == null ? List.of() : List.copyOf(delegates);
    }

    /** A spec without {@code autonomy} (so {@link Autonomy#AUTONOMOUS}). */
    public Spec(Model model, Memory memory, List<String> tools, Budgets budgets, Approval approval,
        Executor executor, Scaling scaling, Shadow shadow, Routing routing, List<String> delegates) {
      this(model, memory, tools, budgets, approval, executor, scaling, shadow, routing, delegates, null);
    }

    /** {@code autonomy} as written, or {@link Autonomy#AUTONOMOUS} when absent. */
    public Autonomy effectiveAutonomy() {
      return autonomy == null ? Autonomy.AUTONOMOUS : autonomy;
    }
  }

  /**
   * Warden extension: how far the agent's side-effecting tool calls run without a human. Absent
   * means {@link #AUTONOMOUS}.
   */
  public enum Autonomy {
    /** Side-effecting calls are captured, never executed, and compared with what a human did. */
    @JsonProperty("shadow") SHADOW,
    /** Every side-effecting call waits for an approver. */
    @JsonProperty("supervised") SUPERVISED,
    /** Calls run as policy decides (approval thresholds still hold calls). */
    @JsonProperty("autonomous") AUTONOMOUS;

    /** The name in descriptors and on the API. */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** An exact model: provider, model name and the revision it is pinned to. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Model(
      @JsonProperty("provider") String provider,
      @JsonProperty("name") String name,
      @JsonProperty("pinned_revision") String pinnedRevision) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Memory(
      @JsonProperty("type") String type,
      @JsonProperty("retention_days") Integer retentionDays) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Budgets(
      @JsonProperty("calls_per_hour") Integer callsPerHour,
      @JsonProperty("usd_per_day") BigDecimal usdPerDay) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Approval(
      @JsonProperty("on_action_value_usd_gt") BigDecimal onActionValueUsdGt) {}

  /** Warden extension: which executor adapter drives this agent's runtime, and how to reach it. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Executor(
      @JsonProperty("type") String type,
      @JsonProperty("endpoint") String endpoint,
      @JsonProperty("settings") Map<String, String> settings) {
    public Executor {
      settings = settings == null ? Map.of() : Map.copyOf(settings);
    }
  }

  /** Warden extension: burst handling by the session router. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Scaling(
      @JsonProperty("max_concurrency") Integer maxConcurrency,
      @JsonProperty("max_queue") Integer maxQueue,
      @JsonProperty("partition_by") String partitionBy) {}

  /** Warden extension: a candidate that runs beside the current model and is compared with it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Shadow(
      @JsonProperty("candidate") Model candidate,
      @JsonProperty("sample_rate") BigDecimal sampleRate,
      @JsonProperty("min_samples") Integer minSamples) {}

  /** Warden extension: model routing (response cache, small model first, escalation). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Routing(
      @JsonProperty("cache") Boolean cache,
      @JsonProperty("small_model") Model smallModel,
      @JsonProperty("escalate_on") List<String> escalateOn) {}
}
