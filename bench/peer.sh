#!/usr/bin/env bash
# The issue's peer run: builds a minimal OpenTelemetry Collector (OTLP receiver -> nop exporter,
# bench/peer/otelcol, Go modules from the module proxy) into .tools/bin once, starts it on free
# ports, and runs OtlpIngestBench's load generator against it (io.warden.bench.tracestore.PeerIngest):
# the acknowledged rate of a collector that keeps nothing, to set Warden's rate against.
#   bench/peer.sh [exporters seconds batchSize protocols]     (default 32 15 512 http/protobuf,grpc)
# Build the benchmarks first (bench/compare.sh or ./warden bench does). Tools dir: WARDEN_TOOLS.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/java.sh"
warden_pick_jdk
TOOLS="${WARDEN_TOOLS:-$ROOT/.tools}"
bin="$TOOLS/bin/warden-bench-otelcol"
src="$ROOT/bench/peer/otelcol"
stamp="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-16)"
if [ ! -x "$bin" ] || [ "$(cat "$bin.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "peer: building the OpenTelemetry Collector (first time: minutes)..." >&2
  mkdir -p "$TOOLS/bin"
  (cd "$src" && go build -trimpath -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin" && echo "$stamp" > "$bin.stamp"
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
http=$(free_port) grpc=$(free_port) metrics=$(free_port)
work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/config.yaml" <<YAML
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:$grpc", max_recv_msg_size_mib: 16}
      http: {endpoint: "127.0.0.1:$http"}
exporters:
  nop: {}
service:
  telemetry:
    logs: {level: warn}
    metrics:
      level: none
  pipelines:
    traces: {receivers: [otlp], exporters: [nop]}
YAML
"$bin" --config "file:$work/config.yaml" > "$work/otelcol.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  (echo > "/dev/tcp/127.0.0.1/$http") 2>/dev/null && break
  sleep 0.1
done
CP="$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")"
echo "== peer: OpenTelemetry Collector $("$bin" --version 2>/dev/null | tail -1), pid $pid" >&2
java ${WARDEN_BENCH_JAVA_OPTS:--Xms512m -Xmx2g} -cp "$CP" io.warden.bench.tracestore.PeerIngest "$http" "$grpc" "$@" \
  2>&1 | grep -v -e '^WARNING' -e VectorizationProvider
ps -o cputime= -p "$pid" | xargs echo "peer: collector CPU time (h:m:s):"
