package io.warden.tracestore.internal.otlp;

import io.warden.tracestore.internal.ingest.IngestPipeline;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.warden.core.identity.Credentials;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/HTTP on port 4318: {@code POST /v1/traces} and {@code POST /v1/logs}, bodies in
 * {@code application/x-protobuf} or {@code application/json}, optionally gzip-compressed. Answers
 * as the OTLP spec says: 200 with the export response (and {@code partial_success}), 400 with a
 * {@code google.rpc.Status} for a body that cannot be decoded, 413 over the size limit, 429 with
 * {@code Retry-After} when ingest is full.
 *
 * <p>Internal: not public API.
 */
public final class OtlpHttpReceiver extends OtlpReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(OtlpHttpReceiver.class);

  public OtlpHttpReceiver(String host, int port, IngestPipeline pipeline, AtomicInteger boundPort) {
    super(host, port, pipeline, boundPort);
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)
            .setDecompressionSupported(false).setCompressionSupported(false)
            .setHandle100ContinueAutomatically(true))
        .requestHandler(this::handle)
        .listen()
        .onSuccess(s -> {
          listening(s);
          LOG.debug("OTLP/HTTP listening on {}:{}", host, s.actualPort());
        });
  }

  private void handle(HttpServerRequest req) {
    IngestPipeline.Signal signal = switch (req.path()) {
      case "/v1/traces" -> IngestPipeline.Signal.TRACES;
      case "/v1/logs" -> IngestPipeline.Signal.LOGS;
      default -> null;
    };
    boolean json = isJson(req.getHeader("Content-Type"));
    if (signal == null) {
      error(req, json, 404, OtlpResponses.INVALID_ARGUMENT,
          "no such endpoint: " + req.path() + "; OTLP/HTTP accepts POST /v1/traces and POST /v1/logs", 0);
      return;
    }
    if (req.method() != HttpMethod.POST) {
      req.response().putHeader("Allow", "POST");
      error(req, json, 405, OtlpResponses.INVALID_ARGUMENT, "use POST for " + req.path(), 0);
      return;
    }
    String contentType = baseType(req.getHeader("Content-Type"));
    IngestPipeline.Format format;
    if ("application/x-protobuf".equals(contentType) || "application/protobuf".equals(contentType)) {
      format = IngestPipeline.Format.PROTOBUF;
    } else if ("application/json".equals(contentType)) {
      format = IngestPipeline.Format.JSON;
    } else {
      error(req, false, 415, OtlpResponses.INVALID_ARGUMENT, "unsupported content type '" + contentType
          + "': send application/x-protobuf or application/json", 0);
      return;
    }
    String encoding = req.getHeader("Content-Encoding");
    boolean gzip;
    if (encoding == null || encoding.isBlank() || "identity".equalsIgnoreCase(encoding.strip())) {
      gzip = false;
    } else if ("gzip".equalsIgnoreCase(encoding.strip())) {
      gzip = true;
    } else {
      error(req, json, 415, OtlpResponses.INVALID_ARGUMENT,
          "unsupported content encoding '" + encoding + "': send gzip or none", 0);
      return;
    }
    String bearer = bearer(req.getHeader("Authorization"));
    long limit = pipeline.maxBodyBytes();
    String length = req.getHeader("Content-Length");
    if (length != null) {
      try {
        if (Long.parseLong(length.strip()) > limit) {
          tooLarge(req, json, limit);
          return;
        }
      } catch (NumberFormatException e) {
        error(req, json, 400, OtlpResponses.INVALID_ARGUMENT, "invalid Content-Length '" + length + "'", 0);
        return;
      }
    }
    Context context = vertx.getOrCreateContext();
    Buffer body = Buffer.buffer(length == null ? 4096 : (int) Math.min(limit, Long.parseLong(length.strip())));
    boolean[] over = {false};
    req.handler(chunk -> {
      if (over[0]) {
        return;
      }
      if (body.length() + chunk.length() > limit) {
        over[0] = true;
        tooLarge(req, json, limit);
        return;
      }
      body.appendBuffer(chunk);
    });
    req.exceptionHandler(err -> LOG.debug("OTLP/HTTP request failed while reading", err));
    req.endHandler(v -> {
      if (over[0]) {
        return;
      }
      pipeline.export(signal, format, body.getBytes(), gzip, bearer, source(req)).whenComplete((outcome, err) ->
          context.runOnContext(x -> {
            if (err != null) {
              OtlpResponses.Failure f = OtlpResponses.classify(err);
              if (f.httpStatus() >= 500) {
                LOG.warn("OTLP/HTTP export failed", err);
              }
              error(req, format == IngestPipeline.Format.JSON, f.httpStatus(), f.grpcCode(), f.message(),
                  f.retryAfterSeconds());
              return;
            }
            com.google.protobuf.Message m = OtlpResponses.success(signal, outcome);
            HttpServerResponse res = req.response().setStatusCode(200);
            if (format == IngestPipeline.Format.JSON) {
              res.putHeader("Content-Type", "application/json").end(Buffer.buffer(OtlpJson.print(m)));
            } else {
              res.putHeader("Content-Type", "application/x-protobuf").end(Buffer.buffer(m.toByteArray()));
            }
          }));
    });
  }

  private static void tooLarge(HttpServerRequest req, boolean json, long limit) {
    if (req.version() != io.vertx.core.http.HttpVersion.HTTP_2) {
      req.response().putHeader("Connection", "close");
    }
    error(req, json, 413, OtlpResponses.RESOURCE_EXHAUSTED, "request body over the limit of " + limit
        + " bytes; send smaller batches (exporter batch size) or raise otlp.max_request_bytes", 0);
  }

  private static void error(HttpServerRequest req, boolean json, int status, int code, String message,
      int retryAfter) {
    HttpServerResponse res = req.response();
    if (res.ended()) {
      return;
    }
    res.setStatusCode(status);
    if (retryAfter > 0) {
      res.putHeader("Retry-After", Integer.toString(retryAfter));
    }
    if (status == 401) {
      res.putHeader("WWW-Authenticate", "Bearer realm=\"warden\"");
    }
    if (json) {
      res.putHeader("Content-Type", "application/json").end(OtlpResponses.statusJson(code, message));
    } else {
      res.putHeader("Content-Type", "application/x-protobuf")
          .end(Buffer.buffer(OtlpResponses.status(code, message, 0)));
    }
  }

  private static boolean isJson(String contentType) {
    return "application/json".equals(baseType(contentType));
  }

  private static String baseType(String contentType) {
    if (contentType == null) {
      return "";
    }
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
  }

  /** The client address, for failed-authentication accounting. */
  private static String source(HttpServerRequest req) {
    return req.remoteAddress() == null ? "" : req.remoteAddress().hostAddress();
  }

  /** The secret of a {@code Bearer} header, or null. */
  static String bearer(String header) {
    return Credentials.bearer(header).orElse(null);
  }
}
