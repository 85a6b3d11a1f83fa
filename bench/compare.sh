#!/usr/bin/env bash
# Before/after in one run: runs one benchmark class against this tree and against a baseline git ref
# (default: main), alternately, so both sides see the same machine load. Both sides run this tree's
# benchmark classes (they use only public API); each side brings its own Warden jars.
#   bench/compare.sh [-r REF] [-n ROUNDS] [-p] CLASS [ARGS...]
#   bench/compare.sh -n 2 tracestore.OtlpIngestBench 32 20 512 http/protobuf
# -p (OtlpIngestBench only): each round also runs the same load generator against the peer collector
# (bench/peer.sh with the same ARGS), and the run ends with the acknowledged rates' ratios per
# protocol: this tree to the baseline, and each Warden side to the peer.
# The baseline is built once per commit (offline, never installed) under $WARDEN_BENCH_BASELINE_DIR
# (default ${TMPDIR:-/tmp}/warden-bench-baseline). JVM options: WARDEN_BENCH_JAVA_OPTS.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/java.sh"
warden_pick_jdk
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
ref=main rounds=1 peer=
while getopts "r:n:p" o; do
  case "$o" in
    r) ref="$OPTARG" ;;
    n) rounds="$OPTARG" ;;
    p) peer=1 ;;
    *) echo "usage: bench/compare.sh [-r REF] [-n ROUNDS] [-p] CLASS [ARGS...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
cls="io.warden.bench.${1:?usage: bench/compare.sh [-r REF] [-n ROUNDS] [-p] CLASS [ARGS...]}"
shift
if [ -n "$peer" ] && [ "$cls" != io.warden.bench.tracestore.OtlpIngestBench ]; then
  echo "bench/compare.sh: -p runs the peer with OtlpIngestBench's generator; the class is $cls" >&2
  exit 2
fi
sha="$(git -C "$ROOT" rev-parse --verify "$ref^{commit}")"
base="${WARDEN_BENCH_BASELINE_DIR:-${TMPDIR:-/tmp}/warden-bench-baseline}/$sha"
if [ ! -f "$base/.built" ]; then
  echo "bench: building the baseline $ref ($sha) in $base..." >&2
  rm -rf "$base" && mkdir -p "$base"
  git -C "$ROOT" archive "$sha" | tar -x -C "$base"
  mvn -B -q -o -ntp -f "$base/pom.xml" -P bench -pl bench -am -DskipTests package >&2
  touch "$base/.built"
fi
echo "bench: building this tree..." >&2
mvn -B -q -o -ntp -f "$ROOT/pom.xml" -P bench -pl bench -am -DskipTests package >&2
after="$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")"
# Same class path with the baseline's module jars in place of this tree's.
before="$(printf '%s' "$after" | tr ':' '\n' | sed "s#^$ROOT/\([a-z-]*\)/target/warden-#$base/\1/target/warden-#" | paste -sd:)"
opts=(${WARDEN_BENCH_JAVA_OPTS:--Xms512m -Xmx2g} --enable-native-access=ALL-UNNAMED -Dwarden.root="$ROOT")
rates="$(mktemp)"
trap 'rm -f "$rates"' EXIT
for ((i = 1; i <= rounds; i++)); do
  for side in before after; do
    cp="$after"; [ "$side" = before ] && cp="$before"
    echo "== round $i, $side ($([ "$side" = before ] && echo "$ref ${sha:0:10}" || echo "this tree")): $cls $*" \
      "(load average $(cut -d' ' -f1-3 /proc/loadavg))"
    java "${opts[@]}" -cp "$cp" "$cls" "$@" 2>&1 | grep -v -e '^WARNING' -e VectorizationProvider \
      | tee >(sed -n -e "s/^ingest \([^ ]*\) *exporters=.*: \([0-9,]*\) spans\/s acknowledged.*/$side \1 \2/p" \
        -e "s/^ingest \([^ ]*\) .*(indexing \([0-9,]*\) spans\/s over the whole run)/$side-indexed \1 \2/p" >> "$rates")
  done
  if [ -n "$peer" ]; then
    echo "== round $i, peer (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    "$ROOT/bench/peer.sh" "$@" | tee >(sed -n "s/^ingest \([^ ]*\) *exporters=.*: \([0-9,]*\) spans\/s acknowledged.*/peer \1 \2/p" >> "$rates")
  fi
done
if [ -n "$peer" ]; then
  sleep 1 # the tee subshells' last lines
  # Mean rates per side and protocol over the rounds, then the ratios: acknowledged, and indexed
  # (acknowledged over the load plus the index's catch-up: what became searchable, per second).
  tr -d , < "$rates" | awk '{ sum[$1" "$2] += $3; n[$1" "$2]++; protos[$2] = 1 }
    function mean(k) { return n[k] ? sum[k] / n[k] : 0 }
    END { for (p in protos) {
      b = mean("before "p); a = mean("after "p); q = mean("peer "p)
      printf "== %s acknowledged spans/s, mean of the rounds: before %.0f, after %.0f, peer %.0f; after/before %.2f, before/peer %.2f, after/peer %.2f\n",
        p, b, a, q, (b ? a / b : 0), (q ? b / q : 0), (q ? a / q : 0)
      b = mean("before-indexed "p); a = mean("after-indexed "p)
      printf "== %s indexed spans/s (acknowledged over load + catch-up), mean of the rounds: before %.0f, after %.0f; after/before %.2f, before/peer %.2f, after/peer %.2f (peer: acknowledged, it keeps nothing)\n",
        p, b, a, (b ? a / b : 0), (q ? b / q : 0), (q ? a / q : 0) } }'
fi
