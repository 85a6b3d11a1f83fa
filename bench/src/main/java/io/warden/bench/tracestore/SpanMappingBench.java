package io.warden.bench.tracestore;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.warden.tracestore.internal.assembly.LogicalTraceHints;
import io.warden.tracestore.internal.ingest.Caller;
import io.warden.tracestore.internal.ingest.SpanMapper;
import io.warden.tracestore.pricing.Pricing;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Mapping alone, by CPU time on one thread: OTLP requests of 512 GenAI chat spans shaped like
 * {@code OtlpIngestBench}'s (structured input and output messages, token counts), decoded from
 * bytes beforehand, mapped to span records and priced once per provider call
 * ({@code SpanMapper.mapTraces}), with fresh trace and span ids per request as the load generator
 * sends them. Prints the mapping thread's CPU per 1,000 spans per round. Internal classes: a
 * before/after comparison needs the same {@code SpanMapper} constructor on both sides.
 *
 * <p>Arguments (optional): {@code rounds spansPerRound} (default 8 200000).
 */
public final class SpanMappingBench {
  private SpanMappingBench() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
    System.out.println(Machine.describe());
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Pricing pricing = Pricing.parse(Pricing.FILE, Pricing.seedYaml());
    SpanMapper mapper = new SpanMapper(name -> true, () -> pricing, new LogicalTraceHints(100_000));
    Caller caller = Caller.agent("bench-agent", List.of("bench-agent"));
    long next = 0;
    long sink = 0;
    for (int r = 0; r <= rounds; r++) {
      List<ExportTraceServiceRequest> requests = new ArrayList<>();
      for (int i = 0; i < perRound; i += 512) {
        // Decoded from bytes, as a receiver does: the attribute names and values are then new
        // strings whose hashes nobody has computed, not the literals the builder was given.
        requests.add(reparsed(request(next, 512)));
        next += 512;
      }
      long cpu0 = threads.getCurrentThreadCpuTime();
      for (ExportTraceServiceRequest req : requests) {
        sink += mapper.mapTraces(req, caller).accepted().size();
      }
      long cpu = threads.getCurrentThreadCpuTime() - cpu0;
      if (r > 0) { // round 0 warms the JIT up
        System.out.printf(Locale.ROOT, "round %d: mapping thread %.2f ms CPU per 1k spans%n", r,
            cpu / 1e6 / (requests.size() * 512 / 1000.0));
      }
    }
    System.out.println("(" + sink + " spans mapped)");
  }

  private static ExportTraceServiceRequest reparsed(ExportTraceServiceRequest request) {
    try {
      return ExportTraceServiceRequest.parseFrom(request.toByteArray());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
  }

  private static KeyValue kv(String k, long v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setIntValue(v)).build();
  }

  private static ExportTraceServiceRequest request(long first, int n) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int k = 0; k < n; k++) {
      long seq = first + k;
      int i = (int) (seq % 512);
      long start = 1_780_000_000_000_000_000L + seq * 1_000_000L;
      scope.addSpans(Span.newBuilder()
          .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0x5eed).putLong(seq + 1).array()))
          .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(seq * 31 + 7).array()))
          .setName("chat claude-opus-4-7").setKind(Span.SpanKind.SPAN_KIND_CLIENT)
          .setStartTimeUnixNano(start).setEndTimeUnixNano(start + 900_000_000L)
          .addAttributes(kv("gen_ai.operation.name", "chat"))
          .addAttributes(kv("gen_ai.provider.name", "anthropic"))
          .addAttributes(kv("gen_ai.request.model", "claude-opus-4-7"))
          .addAttributes(kv("gen_ai.response.model", "claude-opus-4-7"))
          .addAttributes(kv("gen_ai.usage.input_tokens", 1200L + i))
          .addAttributes(kv("gen_ai.usage.output_tokens", 180L))
          .addAttributes(kv("gen_ai.conversation.id", "conv-" + (i % 97)))
          .addAttributes(kv("gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":"
              + "\"Reconcile invoice " + (4000 + i) + " for customer ACME against the ledger and draft an email "
              + "to accounts payable if the amounts differ by more than one percent.\"}]}]"))
          .addAttributes(kv("gen_ai.output.messages", "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\","
              + "\"content\":\"Invoice " + (4000 + i) + " matches ledger entry L-" + (9000 + i)
              + "; no email needed.\"}],\"finish_reason\":\"stop\"}]")));
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(kv("service.name", "bench-agent")))
        .addScopeSpans(scope)).build();
  }
}
