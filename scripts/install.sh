#!/usr/bin/env bash
# Installs what Warden needs on this machine, idempotently. Safe to run again and again:
# each step checks first and does nothing when its tool is already there.
#   scripts/install.sh          what `./warden run` needs
#   scripts/install.sh --test   plus what the test suite needs
#   scripts/install.sh --bench  plus the peers the benchmarks compare with (LiteLLM proxy)
#   scripts/install.sh --demo   plus what `./warden demo` runs (the reference agent's venv)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/java.sh"
warden_pick_jdk

need_cmd() { # cmd debian-package
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "warden: installing $2 (for $1)" >&2
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  else
    echo "warden: '$1' is missing; install the '$2' package and re-run." >&2
    exit 1
  fi
}

need_cmd mvn maven
need_cmd git git

for step in "$ROOT"/scripts/install.d/*.sh; do
  [ -e "$step" ] || continue
  bash "$step" "$@"
done
