#!/usr/bin/env bash
# Runs Warden's benchmarks (module bench/, built only here). Not part of the tests.
#   ./warden bench            every benchmark: each class named *Bench with a main, under io.warden.bench
#   ./warden bench policy     those under io.warden.bench.policy (any package suffix works)
# Numbers go to stdout.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/java.sh"
warden_pick_jdk
filter="${1:-}"
echo "warden: building the benchmarks..." >&2
mvn -B -q -ntp -f "$ROOT/pom.xml" -P bench -pl bench -am -DskipTests package >&2
CLASSES="$ROOT/bench/target/classes"
CP="$CLASSES:$(cat "$ROOT/bench/target/classpath.txt")"
found=0
while IFS= read -r cls; do
  name="${cls#"$CLASSES"/}"; name="${name%.class}"; name="${name//\//.}"
  case "$name" in *'$'*) continue ;; esac
  if [ -n "$filter" ] && [[ "$name" != io.warden.bench."$filter".* ]]; then continue; fi
  found=1
  echo "== $name" >&2
  java ${WARDEN_BENCH_JAVA_OPTS:--Xms512m -Xmx2g} -Dwarden.root="$ROOT" -cp "$CP" "$name"
done < <(find "$CLASSES/io/warden/bench" -name '*Bench.class' | sort)
if [ "$found" = 0 ]; then
  echo "warden: no benchmark matches '${filter}' (classes named *Bench under io.warden.bench${filter:+.$filter})" >&2
  exit 1
fi
