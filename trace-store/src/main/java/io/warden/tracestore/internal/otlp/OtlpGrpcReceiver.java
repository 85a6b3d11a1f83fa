package io.warden.tracestore.internal.otlp;

import io.warden.tracestore.internal.ingest.Backpressure;
import io.warden.tracestore.internal.ingest.IngestPipeline;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/gRPC on port 4317: the unary {@code Export} methods of
 * {@code opentelemetry.proto.collector.trace.v1.TraceService} and
 * {@code opentelemetry.proto.collector.logs.v1.LogsService}, served by the Vert.x gRPC server
 * without generated stubs (messages pass through as bytes and are decoded by the pipeline).
 * Backpressure answers RESOURCE_EXHAUSTED with a {@code google.rpc.RetryInfo} detail.
 *
 * <p>Internal: not public API.
 */
public final class OtlpGrpcReceiver extends OtlpReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(OtlpGrpcReceiver.class);
  static final ServiceName TRACE_SERVICE = ServiceName.create("opentelemetry.proto.collector.trace.v1.TraceService");
  static final ServiceName LOGS_SERVICE = ServiceName.create("opentelemetry.proto.collector.logs.v1.LogsService");

  /** HTTP/2 flow-control window per stream and per connection. */
  static final int HTTP2_WINDOW_BYTES = 4 << 20;

  public OtlpGrpcReceiver(String host, int port, IngestPipeline pipeline, AtomicInteger boundPort) {
    super(host, port, pipeline, boundPort);
  }

  @Override
  public Future<?> start() {
    GrpcServer grpc = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(pipeline.maxBodyBytes()));
    grpc.callHandler(ServiceMethod.server(TRACE_SERVICE, "Export", GrpcMessageEncoder.IDENTITY,
        GrpcMessageDecoder.IDENTITY), req -> handle(req, IngestPipeline.Signal.TRACES));
    grpc.callHandler(ServiceMethod.server(LOGS_SERVICE, "Export", GrpcMessageEncoder.IDENTITY,
        GrpcMessageDecoder.IDENTITY), req -> handle(req, IngestPipeline.Signal.LOGS));
    // Export requests are large (hundreds of KiB); HTTP/2's 64 KiB default windows make every
    // upload wait for several window updates.
    return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)
            .setInitialSettings(new Http2Settings().setInitialWindowSize(HTTP2_WINDOW_BYTES))
            .setHttp2ConnectionWindowSize(HTTP2_WINDOW_BYTES))
        .requestHandler(grpc)
        .listen()
        .onSuccess(s -> {
          listening(s);
          LOG.debug("OTLP/gRPC listening on {}:{}", host, s.actualPort());
        });
  }

  private void handle(GrpcServerRequest<Buffer, Buffer> req, IngestPipeline.Signal signal) {
    Context context = vertx.getOrCreateContext();
    String bearer = OtlpHttpReceiver.bearer(req.headers().get("authorization"));
    String source = req.connection().remoteAddress() == null ? "" : req.connection().remoteAddress().hostAddress();
    req.last().onComplete(ar -> {
      if (ar.failed()) {
        LOG.debug("OTLP/gRPC request failed while reading", ar.cause());
        fail(req, OtlpResponses.INVALID_ARGUMENT, "cannot read the request: " + ar.cause().getMessage(), 0);
        return;
      }
      pipeline.export(signal, IngestPipeline.Format.PROTOBUF, ar.result().getBytes(), false, bearer, source)
          .whenComplete((outcome, err) -> context.runOnContext(v -> {
            if (err != null) {
              OtlpResponses.Failure f = OtlpResponses.classify(err);
              if (f.httpStatus() >= 500) {
                LOG.warn("OTLP/gRPC export failed", err);
              }
              fail(req, f.grpcCode(), f.message(), f.retryAfterSeconds());
              return;
            }
            req.response().send(Buffer.buffer(OtlpResponses.success(signal, outcome).toByteArray()));
          }));
    });
  }

  private static void fail(GrpcServerRequest<Buffer, Buffer> req, int code, String message, int retryAfter) {
    var res = req.response();
    try {
      if (retryAfter > 0) {
        res.trailers().set("grpc-status-details-bin",
            Base64.getEncoder().withoutPadding().encodeToString(OtlpResponses.status(code, message, retryAfter)));
      }
      res.status(GrpcStatus.valueOf(code)).statusMessage(message).end();
    } catch (IllegalStateException e) {
      LOG.debug("OTLP/gRPC response already sent", e);
    }
  }
}
