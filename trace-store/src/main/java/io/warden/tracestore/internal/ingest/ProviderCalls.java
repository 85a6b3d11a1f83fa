package io.warden.tracestore.internal.ingest;

import io.warden.core.trace.SpanRecord;
import io.warden.tracestore.pricing.Pricing;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Prices each provider call once per agent, however many spans describe it. Two instrumentations
 * often report the same call (the model gateway's span and the client library's, a provider SDK's
 * own span and OpenLLMetry's): both spans are kept, but only the first of them to reach Warden
 * carries the cost. The others are stored with cost 0, {@code warden.cost.source=duplicate} and
 * {@value #DUPLICATE_OF} naming the span that carries it, so every roll-up (per agent, model, tool,
 * day; Lucene and ClickHouse alike) counts the call once.
 *
 * <p>Two model-call spans of one agent are the same call when
 *
 * <ul>
 *   <li>they report the same response id ({@code gen_ai.response.id}, the Vercel AI SDK's
 *       {@code ai.response.id}), or
 *   <li>one is the other's parent in the same trace and both report the same input and output
 *       token counts (a library wrapping another, without a response id).
 * </ul>
 *
 * <p>Spans arrive in any order, so "first" is first to arrive: the gateway's span is recorded before
 * the client has its answer, and an exporter ends (and sends) the inner of two nested spans first.
 * The memory is bounded (the oldest calls are forgotten first): a duplicate that arrives after its
 * call was forgotten, or after a restart, is priced again. A resent span keeps its verdict: the
 * carrier stays priced, a duplicate stays a duplicate.
 *
 * <p>Internal: not public API. Thread-safe.
 */
public final class ProviderCalls {
  /** On a duplicate span: {@code traceId:spanId} of the span that carries the call's cost. */
  public static final String DUPLICATE_OF = "warden.cost.duplicate_of";

  /** Operations that are one provider call each. */
  private static final Set<String> MODEL_CALLS = Set.of("chat", "text_completion", "generate_content", "embeddings");
  private static final BigDecimal ZERO = BigDecimal.ZERO.setScale(Pricing.SCALE);
  private static final String ZERO_PLAIN = ZERO.toPlainString();

  /** A call, by the span that carries its cost (its ids, not its key: no string built per span). */
  private record Call(String traceId, String spanId, long input, long output) {
    boolean carriedBy(SpanRecord span) {
      return spanId.equals(span.spanId()) && traceId.equals(span.traceId());
    }
  }

  /** What is remembered of a call: a response id, a span, or the spans under a parent span. */
  private enum Kind { RESPONSE, SPAN, CHILDREN }

  /** A key without concatenating ids (cheaper on the ingest path than string keys). */
  private record Key(Kind kind, String agent, String a, String b) {}

  private final Map<Key, Call> calls;

  /** @param maxEntries how many keys (about three per call) are remembered */
  public ProviderCalls(int maxEntries) {
    this.calls = new LinkedHashMap<>(1024, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, Call> eldest) {
        return size() > maxEntries;
      }
    };
  }

  /** {@code span}, or {@code span} with its cost moved to the span that already carries its call's. */
  public SpanRecord priceOnce(SpanRecord span) {
    if (!MODEL_CALLS.contains(span.operation()) || span.inputTokens() + span.outputTokens() == 0) {
      return span;
    }
    String agent = span.agent();
    Key responseKey = responseKey(span);
    Key selfKey = new Key(Kind.SPAN, agent, span.traceId(), span.spanId());
    boolean hasParent = !span.parentSpanId().isEmpty();
    Call carrier;
    Call call;
    synchronized (calls) {
      carrier = carrier(span, selfKey, responseKey, hasParent);
      call = carrier != null ? carrier
          : new Call(span.traceId(), span.spanId(), span.inputTokens(), span.outputTokens());
      if (responseKey != null) {
        calls.putIfAbsent(responseKey, call);
      }
      calls.put(selfKey, call);
      if (hasParent) {
        calls.putIfAbsent(new Key(Kind.CHILDREN, agent, span.traceId(), span.parentSpanId()), call);
      }
    }
    return carrier == null || carrier.carriedBy(span) ? span
        : duplicate(span, carrier.traceId + ":" + carrier.spanId);
  }

  /** The call {@code span} belongs to when another span (or this one, resent) carries it, else null. */
  private Call carrier(SpanRecord span, Key selfKey, Key responseKey, boolean hasParent) {
    Call known = calls.get(selfKey);
    if (known != null) {
      return known; // a resend keeps its verdict
    }
    if (responseKey != null) {
      Call c = calls.get(responseKey);
      if (c != null) {
        return c;
      }
    }
    Call under = hasParent ? calls.get(new Key(Kind.SPAN, span.agent(), span.traceId(), span.parentSpanId())) : null;
    if (sameCounts(under, span)) {
      return under;
    }
    Call child = calls.get(new Key(Kind.CHILDREN, span.agent(), span.traceId(), span.spanId()));
    return sameCounts(child, span) ? child : null;
  }

  private static boolean sameCounts(Call c, SpanRecord span) {
    return c != null && c.input == span.inputTokens() && c.output == span.outputTokens();
  }

  private static Key responseKey(SpanRecord span) {
    String id = span.attributes().get("gen_ai.response.id");
    if (id == null || id.isEmpty()) {
      id = span.attributes().get("ai.response.id");
    }
    return id == null || id.isEmpty() ? null : new Key(Kind.RESPONSE, span.agent(), id, "");
  }

  private static SpanRecord duplicate(SpanRecord s, String carrier) {
    Map<String, String> attrs = new HashMap<>(s.attributes());
    attrs.put(DUPLICATE_OF, carrier);
    attrs.put(SpanMapper.COST_SOURCE, "duplicate");
    attrs.put(SpanMapper.COST_TOKENS, ZERO_PLAIN);
    attrs.put(SpanMapper.COST_ACTIONS, ZERO_PLAIN);
    attrs.put(SpanMapper.COST_COMPUTE, ZERO_PLAIN);
    attrs.remove("warden.cost.usd");
    return new SpanRecord(s.traceId(), s.spanId(), s.parentSpanId(), s.logicalTraceId(), s.name(), s.service(),
        s.agent(), s.operation(), s.startEpochNanos(), s.endEpochNanos(), s.status(), s.statusMessage(),
        s.requestModel(), s.responseModel(), s.inputTokens(), s.outputTokens(), s.cachedTokens(), s.toolName(),
        s.conversationId(), s.intent(), s.delegationChain(), ZERO, s.text(), attrs, s.links());
  }
}
