package io.warden.tracestore.internal.ingest;

import io.warden.tracestore.IngestRejections;
import io.warden.tracestore.internal.assembly.LogicalTraceHints;
import io.warden.tracestore.internal.otlp.Otlp;
import io.warden.core.trace.Delegation;
import io.warden.core.trace.SpanText;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.warden.core.trace.SpanCost;
import io.warden.core.trace.SpanRecord;
import io.warden.tracestore.internal.ingest.AttributeMappings.Field;
import io.warden.tracestore.pricing.Pricing;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Maps OTLP export requests to {@link SpanRecord}s (and log records to {@link SpanText}s):
 * validates ids and times, attributes every span to an agent the caller may speak for
 * ({@link AgentAttribution}), reads the
 * GenAI semantic conventions and Warden's own attributes, extracts the searchable text, assigns the
 * logical trace and prices the span. A span that fails a check is rejected alone; the rest go on.
 *
 * <p>Internal: not public API. Thread-safe.
 */
public final class SpanMapper {
  /** How many rejection reasons a partial-success message lists. */
  static final int MAX_REASONS = 5;

  static final String WARDEN_AGENT = AgentAttribution.WARDEN_AGENT;
  static final String WARDEN_INTENT = "warden.intent";
  static final String WARDEN_CHAIN = "warden.delegation.chain";
  static final String WARDEN_COST = "warden.cost.usd";
  static final String WARDEN_REVISION = "warden.model.revision";
  public static final String COST_TOKENS = SpanCost.TOKENS_USD_ATTRIBUTE;
  public static final String COST_ACTIONS = SpanCost.ACTIONS_USD_ATTRIBUTE;
  public static final String COST_COMPUTE = SpanCost.COMPUTE_USD_ATTRIBUTE;
  public static final String COST_SOURCE = "warden.cost.source";
  public static final String COST_UNPRICED = "warden.cost.unpriced_model";

  /** Attributes that become record fields and are not repeated in the attribute map. */
  private static final Set<String> MAPPED = Set.of(
      WARDEN_AGENT, WARDEN_INTENT, WARDEN_CHAIN, WARDEN_COST, Delegation.VERIFIED_ATTRIBUTE, "gen_ai.operation.name", "gen_ai.request.model",
      "gen_ai.response.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
      "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
      "gen_ai.usage.input_tokens.cached", "gen_ai.usage.cached_tokens", "gen_ai.tool.name",
      "gen_ai.conversation.id");

  /** Where the provider, whatever attribute named it, is kept. */
  static final String PROVIDER = "gen_ai.provider.name";
  /** Where reasoning tokens, whatever attribute reported them, are kept. */
  static final String REASONING_TOKENS = "gen_ai.usage.reasoning_tokens";
  /** Where prompt-cache writes, whatever attribute reported them, are kept (the gateway's name for them). */
  static final String CACHE_WRITE_TOKENS = "gen_ai.usage.cache_creation.input_tokens";
  /** The attribute and value an operation was derived from, when not {@code gen_ai.operation.name}. */
  public static final String OPERATION_SOURCE = "warden.operation.source";
  /** {@code token} when a span's delegation hops came from its scoped token, not from baggage. */
  public static final String DELEGATION_SOURCE = "warden.delegation.source";

  private final Supplier<Pricing> pricing;
  private final LogicalTraceHints hints;
  private final AgentAttribution attribution;
  private final IngestRejections rejected;
  private final ProviderCalls calls;

  /** Accepted items and what was rejected. */
  public record Result<T>(List<T> accepted, long rejected, String message) {
    public Result {
      accepted = List.copyOf(accepted);
      Objects.requireNonNull(message, "message");
    }
  }

  public SpanMapper(Predicate<String> knownAgent, Supplier<Pricing> pricing, LogicalTraceHints hints) {
    this(knownAgent, pricing, hints, null);
  }

  /** @param rejections where an agent caller's rejected spans are recorded, or null */
  public SpanMapper(Predicate<String> knownAgent, Supplier<Pricing> pricing, LogicalTraceHints hints,
      IngestRejections rejections) {
    this(knownAgent, pricing, hints, rejections, new ProviderCalls(PROVIDER_CALL_KEYS));
  }

  /** How many provider-call keys a mapper remembers to price each call once (about three per call). */
  public static final int PROVIDER_CALL_KEYS = 100_000;

  /** @param calls what prices each provider call once, shared with spans that bypass mapping */
  public SpanMapper(Predicate<String> knownAgent, Supplier<Pricing> pricing, LogicalTraceHints hints,
      IngestRejections rejections, ProviderCalls calls) {
    this.calls = Objects.requireNonNull(calls, "calls");
    this.rejected = rejections;
    this.pricing = Objects.requireNonNull(pricing, "pricing");
    this.hints = Objects.requireNonNull(hints, "hints");
    this.attribution = new AgentAttribution(knownAgent);
  }

  private static final class Rejections {
    long count;
    long total;
    final List<String> reasons = new ArrayList<>();

    void reject(String reason) {
      count++;
      if (reasons.size() < MAX_REASONS) {
        reasons.add(reason);
      }
    }

    String message(String what) {
      if (count == 0) {
        return "";
      }
      StringBuilder sb = new StringBuilder("rejected ").append(count).append(" of ").append(total).append(' ')
          .append(what).append(": ").append(String.join("; ", reasons));
      if (count > reasons.size()) {
        sb.append("; and ").append(count - reasons.size()).append(" more");
      }
      return sb.toString();
    }
  }

  public Result<SpanRecord> mapTraces(ExportTraceServiceRequest request, Caller caller) {
    Pricing prices = pricing.get();
    Rejections rejections = new Rejections();
    List<SpanRecord> out = new ArrayList<>();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      Map<String, AnyValue> resource = Otlp.attributes(rs.getResource().getAttributesList());
      String service = str(resource, "service.name");
      // Explicit claims in this request, so that a child span inherits its parent's agent.
      Map<String, String> claimBySpan = new HashMap<>();
      Map<String, String> parentBySpan = new HashMap<>();
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          String key = Otlp.hex(s.getSpanId());
          parentBySpan.put(key, Otlp.hex(s.getParentSpanId()));
          String claim = attribution.itemClaim(s.getAttributesList());
          if (claim != null) {
            claimBySpan.put(key, claim);
          }
        }
      }
      String resourceClaim = attribution.resourceClaim(resource, service);
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        String scope = ss.getScope().getName();
        for (Span s : ss.getSpansList()) {
          rejections.total++;
          String problem = check(s);
          if (problem != null) {
            rejections.reject(problem);
            recordRejection(caller, IngestRejections.Reason.INVALID_SPAN, problem, s);
            continue;
          }
          String spanId = Otlp.hex(s.getSpanId());
          String traceId = Otlp.hex(s.getTraceId());
          AgentAttribution.Claim claim = null;
          if (claimBySpan.containsKey(spanId)) {
            claim = new AgentAttribution.Claim(claimBySpan.get(spanId), "span attribute");
          } else {
            String p = parentBySpan.get(spanId);
            for (int depth = 0; claim == null && p != null && !p.isEmpty() && depth < 64; depth++) {
              String c = claimBySpan.get(p);
              claim = c == null ? null : new AgentAttribution.Claim(c, "parent span");
              p = parentBySpan.get(p);
            }
          }
          if (claim == null && resourceClaim != null) {
            claim = new AgentAttribution.Claim(resourceClaim, "resource attribute");
          }
          AgentAttribution.Decision decision =
              attribution.decide(caller, claim, AgentAttribution.Item.SPAN, traceId, spanId);
          if (!decision.accepted()) {
            rejections.reject(decision.refusal());
            recordRejection(caller, decision.reason(), decision.refusal(), s);
            continue;
          }
          String agent = decision.agent();
          out.add(calls.priceOnce(map(s, traceId, spanId, service, scope, resource, agent, caller, prices)));
        }
      }
    }
    return new Result<>(out, rejections.count, rejections.message("spans"));
  }

  /** Keeps an agent caller's rejected span where its owner can see it; a collector names no agent. */
  private void recordRejection(Caller caller, IngestRejections.Reason reason, String message, Span s) {
    if (rejected != null && caller.isAgent()) {
      rejected.record(caller.agent(), reason, message, Otlp.hex(s.getSpanId()), Otlp.hex(s.getTraceId()));
    }
  }

  private static String check(Span s) {
    boolean traceOk = Otlp.validId(s.getTraceId(), 16);
    boolean spanOk = Otlp.validId(s.getSpanId(), 8);
    if (traceOk && spanOk && (s.getParentSpanId().isEmpty() || s.getParentSpanId().size() == 8)
        && s.getStartTimeUnixNano() != 0 && s.getEndTimeUnixNano() >= s.getStartTimeUnixNano()) {
      return null; // the common case: no message to build
    }
    String where = "span " + (spanOk ? Otlp.hex(s.getSpanId()) : "'" + Otlp.hex(s.getSpanId()) + "'")
        + " in trace " + (traceOk ? Otlp.hex(s.getTraceId()) : "'" + Otlp.hex(s.getTraceId()) + "'");
    if (!traceOk) {
      return where + ": invalid trace id (expected 16 bytes, not all zero)";
    }
    if (!spanOk) {
      return where + ": invalid span id (expected 8 bytes, not all zero)";
    }
    if (!s.getParentSpanId().isEmpty() && s.getParentSpanId().size() != 8) {
      return where + ": invalid parent span id (expected 8 bytes or empty)";
    }
    if (s.getStartTimeUnixNano() == 0) {
      return where + ": start_time_unix_nano is not set";
    }
    if (s.getEndTimeUnixNano() < s.getStartTimeUnixNano()) {
      return where + ": ends before it starts (end " + s.getEndTimeUnixNano() + " < start "
          + s.getStartTimeUnixNano() + ")";
    }
    return null;
  }

  private SpanRecord map(Span s, String traceId, String spanId, String service, String scope,
      Map<String, AnyValue> resource, String agent, Caller caller, Pricing prices) {
    SpanAttributes a = new SpanAttributes();
    StringBuilder text = new StringBuilder();
    Map<String, String> attrs = new HashMap<>();
    StringBuilder reasoning = new StringBuilder();
    AnyValue wholeInput = null;
    AnyValue wholeOutput = null;
    boolean inputMessages = false;
    boolean outputMessages = false;
    for (KeyValue kv : s.getAttributesList()) {
      String k = kv.getKey();
      a.offer(k, kv.getValue());
      if (TextExtractor.INPUT_VALUE.equals(k)) {
        wholeInput = kv.getValue();
      } else if (TextExtractor.OUTPUT_VALUE.equals(k)) {
        wholeOutput = kv.getValue();
      } else if (TextExtractor.isTextAttribute(k)) {
        inputMessages |= k.startsWith(TextExtractor.OI_INPUT_MESSAGES);
        outputMessages |= k.startsWith(TextExtractor.OI_OUTPUT_MESSAGES);
        TextExtractor.fromAttribute(k, kv.getValue(), text, reasoning);
      } else if (!MAPPED.contains(k)) {
        attrs.put(k, Otlp.cap(Otlp.string(kv.getValue()), Otlp.MAX_ATTRIBUTE_CHARS));
      }
    }
    // OpenInference repeats the messages in input.value / output.value (the whole request and
    // response as JSON): search them only when there are no messages, so text is not indexed twice.
    if (wholeInput != null && !inputMessages) {
      TextExtractor.fromAttribute(TextExtractor.INPUT_VALUE, wholeInput, text);
    }
    if (wholeOutput != null && !outputMessages) {
      TextExtractor.fromAttribute(TextExtractor.OUTPUT_VALUE, wholeOutput, text);
    }
    String statusMessage = s.getStatus().getMessage();
    for (Span.Event e : s.getEventsList()) {
      if (e.getName().startsWith("gen_ai.")) {
        TextExtractor.fromEvent(e.getAttributesList(), null, text);
      } else if ("exception".equals(e.getName()) && statusMessage.isEmpty()
          && s.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
        Map<String, AnyValue> ea = Otlp.attributes(e.getAttributesList());
        statusMessage = (str(ea, "exception.type") + ": " + str(ea, "exception.message")).strip();
      }
    }
    attrs.remove(TextExtractor.REASONING_RANGES); // only Warden says where the reasoning is
    if (!reasoning.isEmpty()) {
      attrs.put(TextExtractor.REASONING_RANGES, reasoning.toString());
    }
    if (!scope.isEmpty()) {
      attrs.put("otel.scope.name", scope);
    }
    attrs.put("span.kind", s.getKind().name().replace("SPAN_KIND_", "").toLowerCase(java.util.Locale.ROOT));

    List<String> links = new ArrayList<>(s.getLinksCount());
    for (Span.Link l : s.getLinksList()) {
      if (Otlp.validId(l.getTraceId(), 16) && Otlp.validId(l.getSpanId(), 8)) {
        links.add(Otlp.hex(l.getTraceId()) + ":" + Otlp.hex(l.getSpanId()));
      }
    }

    String delegationValue = a.str(Delegation.ATTRIBUTE);
    if (delegationValue.isEmpty()) {
      delegationValue = str(resource, Delegation.ATTRIBUTE);
    }
    List<Delegation.Hop> hops = Delegation.parse(delegationValue);
    attrs.remove(DELEGATION_SOURCE); // only Warden says where the hops came from
    if (!delegationValue.isEmpty()) {
      attrs.put(Delegation.ATTRIBUTE, Delegation.format(hops));
    } else if (!caller.scopeHops().isEmpty()) {
      // Identity-carried context: the scoped token names the delegating span, so the span joins the
      // parent's logical trace even when the runtime dropped every propagation header.
      hops = caller.scopeHops();
      attrs.put(Delegation.ATTRIBUTE, Delegation.format(hops));
      attrs.put(DELEGATION_SOURCE, "token");
    }

    List<String> chain = chain(a.get(WARDEN_CHAIN));
    if (chain.isEmpty()) {
      for (Delegation.Hop h : hops) {
        chain.add(h.agent());
      }
    }
    if (chain.isEmpty()) {
      chain.addAll(caller.scopeChain());
    }
    if (chain.isEmpty() || !chain.get(chain.size() - 1).equals(agent)) {
      chain.add(agent);
    }
    if (chain.size() > 1) {
      // Anyone can write baggage; only a scoped token minted through Warden backs a delegation.
      attrs.put(Delegation.VERIFIED_ATTRIBUTE, Boolean.toString(chain.equals(caller.scopeChain())));
    }

    String logical = logicalTrace(traceId, hops, links);

    String intent = a.str(WARDEN_INTENT);
    if (intent.isEmpty()) {
      intent = str(resource, WARDEN_INTENT);
    }
    String operationKey = a.firstKey(Field.OPERATION);
    String operation = operationKey == null ? "" : AttributeMappings.operation(operationKey, a.str(operationKey));
    String requestModel = mapped(a, attrs, Field.REQUEST_MODEL);
    String responseModel = mapped(a, attrs, Field.RESPONSE_MODEL);
    String provider = mapped(a, attrs, Field.PROVIDER);
    if (!provider.isEmpty()) {
      attrs.put(PROVIDER, provider);
    }
    long input = 0;
    long output = 0;
    long cached = 0;
    long cacheWrites = 0;
    if (!"chain".equals(operation)) {
      // A chain span wraps model calls that report their own usage (the Vercel AI SDK's generateText
      // around its doGenerate steps): its totals stay attributes, not priced a second time.
      input = count(a, attrs, Field.INPUT_TOKENS);
      output = count(a, attrs, Field.OUTPUT_TOKENS);
      long total = count(a, attrs, Field.TOTAL_TOKENS);
      if (output == 0 && total > input) {
        output = total - input;
      }
      cached = count(a, attrs, Field.CACHED_INPUT_TOKENS);
      // Writes are input tokens (counted inside input, as the conventions count them) that cost extra.
      cacheWrites = count(a, attrs, Field.CACHE_WRITE_INPUT_TOKENS);
      if (cacheWrites > 0) {
        attrs.put(CACHE_WRITE_TOKENS, Long.toString(cacheWrites));
      }
      long reasoningTokens = count(a, attrs, Field.REASONING_TOKENS);
      if (reasoningTokens > 0) {
        attrs.put(REASONING_TOKENS, Long.toString(reasoningTokens));
        // Reasoning is output: counted inside the output tokens where the provider reports it so
        // (OpenAI, OpenInference); added when the span's output tokens cannot contain it.
        if (output < reasoningTokens) {
          output += reasoningTokens;
        }
      }
    }
    if (operationKey != null && !operationKey.equals("gen_ai.operation.name")) {
      attrs.remove(operationKey);
      attrs.put(OPERATION_SOURCE, operationKey + "=" + a.str(operationKey));
    }
    String tool = mapped(a, attrs, Field.TOOL);
    long start = s.getStartTimeUnixNano();
    long end = s.getEndTimeUnixNano();

    BigDecimal cost;
    BigDecimal reported = decimal(a.get(WARDEN_COST));
    if (reported != null) {
      cost = reported.setScale(Pricing.SCALE, RoundingMode.HALF_UP);
      attrs.put(COST_SOURCE, "reported");
      // Attribute a reported figure to the kind the span is, unless it says otherwise.
      BigDecimal tokens = decimal(a.get(COST_TOKENS));
      BigDecimal actions = decimal(a.get(COST_ACTIONS));
      BigDecimal compute = decimal(a.get(COST_COMPUTE));
      if (tokens == null && actions == null && compute == null) {
        switch (operation) {
          case "execute_tool" -> actions = cost;
          case "invoke_agent" -> compute = cost;
          default -> tokens = cost;
        }
      }
      attrs.put(COST_TOKENS, plain(tokens));
      attrs.put(COST_ACTIONS, plain(actions));
      attrs.put(COST_COMPUTE, plain(compute));
    } else {
      Pricing.Cost c = prices.price(new Pricing.SpanFacts(operation, agent, requestModel, responseModel,
          a.str(WARDEN_REVISION), input, output, cached, cacheWrites, tool, end - start));
      cost = c.totalUsd();
      attrs.put(COST_SOURCE, "priced");
      attrs.put(COST_TOKENS, c.tokensUsd().toPlainString());
      attrs.put(COST_ACTIONS, c.actionsUsd().toPlainString());
      attrs.put(COST_COMPUTE, c.computeUsd().toPlainString());
      if (!c.unpricedModel().isEmpty()) {
        attrs.put(COST_UNPRICED, c.unpricedModel());
      }
    }

    String status = switch (s.getStatus().getCode()) {
      case STATUS_CODE_OK -> "OK";
      case STATUS_CODE_ERROR -> "ERROR";
      default -> "UNSET";
    };
    return new SpanRecord(traceId, spanId, Otlp.validId(s.getParentSpanId(), 8) ? Otlp.hex(s.getParentSpanId()) : "",
        logical, s.getName(), service, agent, operation, start, end, status, statusMessage, requestModel,
        responseModel, input, output, cached, tool, mapped(a, attrs, Field.CONVERSATION_ID), intent, chain, cost,
        TextExtractor.cap(text), attrs, links);
  }

  /** The value of the first of {@code field}'s attributes the span carries; it is no longer an attribute. */
  private static String mapped(SpanAttributes a, Map<String, String> attrs, Field field) {
    String key = a.firstKey(field);
    if (key == null) {
      return "";
    }
    attrs.remove(key);
    return a.str(key);
  }

  private static long count(SpanAttributes a, Map<String, String> attrs, Field field) {
    String key = a.firstKey(field);
    if (key == null) {
      return 0;
    }
    attrs.remove(key);
    return Math.max(0, Otlp.longValue(a.get(key)));
  }

  private String logicalTrace(String traceId, List<Delegation.Hop> hops, List<String> links) {
    String logical;
    if (!hops.isEmpty()) {
      logical = hints.logicalOf(hops.get(0).traceId());
    } else {
      logical = null;
      for (String l : links) {
        String linked = l.substring(0, l.indexOf(':'));
        if (!linked.equals(traceId)) {
          logical = hints.logicalOf(linked);
          break;
        }
      }
      if (logical == null) {
        logical = hints.logicalOf(traceId);
      }
    }
    hints.remember(traceId, logical);
    return logical;
  }

  private static String plain(BigDecimal d) {
    return (d == null ? BigDecimal.ZERO : d).setScale(Pricing.SCALE, RoundingMode.HALF_UP).toPlainString();
  }

  private static BigDecimal decimal(AnyValue v) {
    if (v == null) {
      return null;
    }
    try {
      BigDecimal d = switch (v.getValueCase()) {
        case DOUBLE_VALUE -> BigDecimal.valueOf(v.getDoubleValue());
        case INT_VALUE -> BigDecimal.valueOf(v.getIntValue());
        case STRING_VALUE -> new BigDecimal(v.getStringValue().strip());
        default -> null;
      };
      return d == null || d.signum() < 0 ? null : d;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static List<String> chain(AnyValue v) {
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (v.getValueCase() == AnyValue.ValueCase.ARRAY_VALUE) {
      for (AnyValue e : v.getArrayValue().getValuesList()) {
        String s = e.getStringValue().strip();
        if (!s.isEmpty()) {
          out.add(s);
        }
      }
    } else if (v.getValueCase() == AnyValue.ValueCase.STRING_VALUE) {
      for (String s : v.getStringValue().split(",")) {
        if (!s.isBlank()) {
          out.add(s.strip());
        }
      }
    }
    return out;
  }

  static String str(Map<String, AnyValue> attrs, String key) {
    return Otlp.string(attrs.get(key));
  }

  /** Maps GenAI log records (prompts, completions) to text attached to their spans. */
  public Result<SpanText> mapLogs(ExportLogsServiceRequest request, Caller caller) {
    Rejections rejections = new Rejections();
    List<SpanText> out = new ArrayList<>();
    for (ResourceLogs rl : request.getResourceLogsList()) {
      Map<String, AnyValue> resource = Otlp.attributes(rl.getResource().getAttributesList());
      String service = str(resource, "service.name");
      String resourceClaim = attribution.resourceClaim(resource, service);
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        for (LogRecord r : sl.getLogRecordsList()) {
          rejections.total++;
          if (!Otlp.validId(r.getTraceId(), 16) || !Otlp.validId(r.getSpanId(), 8)) {
            rejections.reject("log record at " + r.getTimeUnixNano() + ": no valid trace_id and span_id; "
                + "warden keeps log records only as text of the span they belong to");
            continue;
          }
          String traceId = Otlp.hex(r.getTraceId());
          String spanId = Otlp.hex(r.getSpanId());
          String where = "log record for span " + spanId + " in trace " + traceId;
          String claim = attribution.itemClaim(r.getAttributesList());
          if (claim == null) {
            claim = resourceClaim;
          }
          AgentAttribution.Decision decision = attribution.decide(caller,
              claim == null ? null : new AgentAttribution.Claim(claim, "attribute"), AgentAttribution.Item.LOG_RECORD,
              traceId, spanId);
          if (!decision.accepted()) {
            rejections.reject(decision.refusal());
            continue;
          }
          String agent = decision.agent();
          StringBuilder text = new StringBuilder();
          TextExtractor.fromEvent(r.getAttributesList(), r.getBody(), text);
          if (text.isEmpty()) {
            rejections.reject(where + ": has no text (empty body and no text attributes)");
            continue;
          }
          long time = r.getTimeUnixNano() != 0 ? r.getTimeUnixNano() : r.getObservedTimeUnixNano();
          out.add(new SpanText(traceId, spanId, agent, time, TextExtractor.cap(text)));
        }
      }
    }
    return new Result<>(out, rejections.count, rejections.message("log records"));
  }
}
