package io.warden.bench.tracestore;

import java.util.List;

/**
 * {@link OtlpIngestBench}'s load generator, unchanged, against another OTLP receiver on this host
 * (an OpenTelemetry Collector with a nop exporter: {@code bench/peer.sh}), so Warden's
 * acknowledged rate can be given as a ratio to a peer measured on the same machine in the same run.
 * Not a {@code *Bench}: it needs the peer running.
 *
 * <p>Arguments: {@code httpPort grpcPort [exporters seconds batchSize protocols]}.
 */
public final class PeerIngest {
  private PeerIngest() {}

  public static void main(String[] args) throws Exception {
    int httpPort = Integer.parseInt(args[0]);
    int grpcPort = Integer.parseInt(args[1]);
    int exporters = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 15;
    int batchSize = args.length > 4 ? Integer.parseInt(args[4]) : 512;
    List<String> protocols = List.of((args.length > 5 ? args[5] : "http/protobuf,grpc").split(","));
    System.out.println(Machine.describe());
    for (String protocol : protocols) {
      OtlpIngestBench.run(protocol, null, httpPort, grpcPort, "peer-needs-no-credential",
          OtlpIngestBench.templates(batchSize), exporters, seconds);
    }
  }
}
