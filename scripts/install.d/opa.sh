#!/usr/bin/env bash
# Installs the real Open Policy Agent binary into .tools/bin/opa, idempotently.
# Run by scripts/install.sh (for `./warden run` and `./warden test`); not meant to be sourced.
#   1. .tools/bin/opa already reports the wanted version  -> nothing to do
#   2. an `opa` 1.x is on PATH                            -> link it into .tools/bin
#   3. Go is on the machine                               -> go install the pinned version
#   4. otherwise                                          -> stop and say what to install
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OPA_VERSION="1.22.3"
BIN_DIR="$ROOT/.tools/bin"
OPA="$BIN_DIR/opa"

opa_version_of() { # prints the version an opa binary reports, or nothing
  "$1" version 2>/dev/null | sed -n 's/^Version: *\([^ ]*\).*/\1/p' | head -n1
}

if [ -x "$OPA" ] && [ "$(opa_version_of "$OPA")" = "$OPA_VERSION" ]; then
  exit 0
fi
mkdir -p "$BIN_DIR"

on_path="$(command -v opa 2>/dev/null || true)"
if [ -n "$on_path" ] && [ "$(readlink -f "$on_path")" != "$(readlink -f "$OPA" 2>/dev/null || true)" ]; then
  found="$(opa_version_of "$on_path")"
  case "$found" in
    1.*)
      ln -sf "$(readlink -f "$on_path")" "$OPA"
      echo "warden: using opa $found from $on_path (linked to .tools/bin/opa)" >&2
      exit 0
      ;;
  esac
fi

if ! command -v go >/dev/null 2>&1; then
  echo "warden: OPA $OPA_VERSION is needed but neither 'go' nor an 'opa' 1.x binary is on PATH." >&2
  echo "warden: install Go (https://go.dev/dl/) and re-run, or put an opa 1.x binary on PATH" >&2
  echo "warden: (https://www.openpolicyagent.org/docs/latest/#running-opa), or set policy.opa_url" >&2
  echo "warden: in warden.yaml to use an external OPA server." >&2
  exit 1
fi

echo "warden: building OPA $OPA_VERSION with $(go version | cut -d' ' -f3) into .tools/bin (first time only; takes a few minutes)..." >&2
GOBIN="$BIN_DIR" GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod" \
  go install "github.com/open-policy-agent/opa@v$OPA_VERSION"
got="$(opa_version_of "$OPA")"
if [ "$got" != "$OPA_VERSION" ]; then
  echo "warden: built $OPA but it reports version '${got:-nothing}', expected $OPA_VERSION." >&2
  exit 1
fi
echo "warden: OPA $OPA_VERSION installed at $OPA" >&2
