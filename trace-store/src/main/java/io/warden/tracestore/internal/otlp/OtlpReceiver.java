package io.warden.tracestore.internal.otlp;

import io.warden.tracestore.internal.ingest.IngestPipeline;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What both OTLP receivers share: where they listen, the pipeline they feed, and reporting the port
 * actually bound (the first instance to bind wins; every instance shares the port).
 *
 * <p>Internal: not public API.
 */
abstract class OtlpReceiver extends VerticleBase {
  final String host;
  final int port;
  final IngestPipeline pipeline;
  private final AtomicInteger boundPort;
  private HttpServer server;

  OtlpReceiver(String host, int port, IngestPipeline pipeline, AtomicInteger boundPort) {
    this.host = host;
    this.port = port;
    this.pipeline = pipeline;
    this.boundPort = boundPort;
  }

  /** Records the listening server. */
  final HttpServer listening(HttpServer s) {
    server = s;
    boundPort.compareAndSet(0, s.actualPort());
    return s;
  }

  @Override
  public final Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
