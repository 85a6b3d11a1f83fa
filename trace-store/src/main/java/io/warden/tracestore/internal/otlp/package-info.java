/**
 * Internal, not public API: the OTLP receivers on 4317 (gRPC, {@link
 * io.warden.tracestore.internal.otlp.OtlpGrpcReceiver}) and 4318 (HTTP protobuf and JSON, {@link
 * io.warden.tracestore.internal.otlp.OtlpHttpReceiver}): they authenticate the caller ({@link
 * io.warden.tracestore.internal.otlp.Authenticator}, failed authentications counted per client
 * address), decode the request ({@link io.warden.tracestore.internal.otlp.Otlp}, {@link
 * io.warden.tracestore.internal.otlp.OtlpJson}), hand it to the ingest pipeline and answer in OTLP's
 * own shapes, partial success included ({@link io.warden.tracestore.internal.otlp.OtlpResponses}).
 */
@NullMarked
package io.warden.tracestore.internal.otlp;

import org.jspecify.annotations.NullMarked;
