package io.warden.tracestore.internal.otlp;

import io.warden.tracestore.internal.ingest.Backpressure;
import io.warden.tracestore.internal.ingest.IngestPipeline;
import com.google.protobuf.CodedOutputStream;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.warden.core.WardenException;
import io.warden.core.identity.TooManyFailedAuthentications;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Response bodies shared by both receivers: the export responses with {@code partial_success}, and
 * the {@code google.rpc.Status} error body (encoded by hand: the message is two fields, and the
 * common-protos jar would be the only reason to depend on it).
 *
 * <p>Internal: not public API.
 */
public final class OtlpResponses {
  /** gRPC / google.rpc codes used here. */
  public static final int INVALID_ARGUMENT = 3;
  public static final int PERMISSION_DENIED = 7;
  public static final int RESOURCE_EXHAUSTED = 8;
  public static final int INTERNAL = 13;
  public static final int UNAVAILABLE = 14;
  public static final int UNAUTHENTICATED = 16;

  private OtlpResponses() {}

  public static com.google.protobuf.Message success(IngestPipeline.Signal signal, IngestPipeline.Outcome o) {
    if (signal == IngestPipeline.Signal.TRACES) {
      ExportTraceServiceResponse.Builder b = ExportTraceServiceResponse.newBuilder();
      if (o.rejected() > 0 || !o.message().isEmpty()) {
        b.setPartialSuccess(ExportTracePartialSuccess.newBuilder()
            .setRejectedSpans(o.rejected()).setErrorMessage(o.message()));
      }
      return b.build();
    }
    ExportLogsServiceResponse.Builder b = ExportLogsServiceResponse.newBuilder();
    if (o.rejected() > 0 || !o.message().isEmpty()) {
      b.setPartialSuccess(ExportLogsPartialSuccess.newBuilder()
          .setRejectedLogRecords(o.rejected()).setErrorMessage(o.message()));
    }
    return b.build();
  }

  /** {@code google.rpc.Status{code, message}}, optionally with a RetryInfo detail. */
  public static byte[] status(int code, String message, int retryAfterSeconds) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.writeInt32(1, code);
      out.writeString(2, message);
      if (retryAfterSeconds > 0) {
        // details: Any{type_url, value = RetryInfo{retry_delay = Duration{seconds}}}
        ByteArrayOutputStream duration = new ByteArrayOutputStream();
        CodedOutputStream d = CodedOutputStream.newInstance(duration);
        d.writeInt64(1, retryAfterSeconds);
        d.flush();
        ByteArrayOutputStream retryInfo = new ByteArrayOutputStream();
        CodedOutputStream r = CodedOutputStream.newInstance(retryInfo);
        r.writeByteArray(1, duration.toByteArray());
        r.flush();
        ByteArrayOutputStream any = new ByteArrayOutputStream();
        CodedOutputStream a = CodedOutputStream.newInstance(any);
        a.writeString(1, "type.googleapis.com/google.rpc.RetryInfo");
        a.writeByteArray(2, retryInfo.toByteArray());
        a.flush();
        out.writeByteArray(3, any.toByteArray());
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String statusJson(int code, String message) {
    return "{\"code\":" + code + ",\"message\":" + jsonString(message) + "}";
  }

  private static String jsonString(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  /** An error to answer: HTTP status, gRPC code, message and retry delay. */
  public record Failure(int httpStatus, int grpcCode, String message, int retryAfterSeconds) {}

  /** Classifies a pipeline failure. Unknown errors become 500 / INTERNAL without details. */
  public static Failure classify(Throwable err) {
    Throwable t = err;
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof Backpressure b) {
      return new Failure(429, RESOURCE_EXHAUSTED, b.getMessage(), b.retryAfterSeconds());
    }
    if (t instanceof MalformedException m) {
      return new Failure(400, INVALID_ARGUMENT, m.getMessage(), 0);
    }
    if (t instanceof WardenException w) {
      return switch (w.code()) {
        case "unauthorized" -> new Failure(401, UNAUTHENTICATED, w.getMessage(), 0);
        case "too_many_requests" -> new Failure(429, RESOURCE_EXHAUSTED, w.getMessage(),
            w instanceof TooManyFailedAuthentications tooMany ? (int) tooMany.retryAfterSeconds() : 60);
        case "forbidden" -> new Failure(403, PERMISSION_DENIED, w.getMessage(), 0);
        case "too_large" -> new Failure(413, RESOURCE_EXHAUSTED, w.getMessage(), 0);
        case "invalid_input" -> new Failure(400, INVALID_ARGUMENT, w.getMessage(), 0);
        case "unavailable" -> new Failure(503, UNAVAILABLE, w.getMessage(), 5);
        default -> new Failure(500, INTERNAL, "internal error; see the server log", 0);
      };
    }
    return new Failure(503, UNAVAILABLE, "ingest failed: " + t.getMessage() + "; retry later", 5);
  }
}
