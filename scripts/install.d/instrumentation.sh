#!/usr/bin/env bash
# Test-only: the real, unmodified GenAI instrumentation libraries that packaging's
# InstrumentationLibrariesIT points at a running Warden (trace-store issue: every convention lands
# searchable and priced). Idempotent: does nothing when each tool already has its pinned versions.
#   bash scripts/install.d/instrumentation.sh --test
#
#   .tools/instrumentation-venv   Python: the OpenAI SDK with OpenInference's, OpenLLMetry's
#                                 (Traceloop) and the official OpenTelemetry instrumentations
#   .tools/instrumentation-legacy-venv  the same with OpenLLMetry 0.54.0 (the older attribute names)
#   .tools/instrumentation-node   Node (only when node and npm are on the machine): the Vercel AI SDK
#                                 with its OpenAI provider and the OpenTelemetry Node SDK
set -euo pipefail
case " $* " in *" --test "*) ;; *) exit 0 ;; esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$ROOT/scripts/python.sh"

# Pinned together: one venv, each test process instruments with one library only.
PY_PINS=(
  "openai==3.57.0"
  # the official instrumentation imports httpx; openai 3.x no longer brings it.
  "httpx==0.28.1"
  "opentelemetry-api==1.45.2"
  "opentelemetry-sdk==1.45.2"
  "opentelemetry-exporter-otlp-proto-http==1.45.2"
  "opentelemetry-instrumentation==0.66b2"
  "opentelemetry-semantic-conventions==0.66b2"
  "openinference-instrumentation==0.1.72"
  "openinference-instrumentation-openai==0.1.66"
  "opentelemetry-semantic-conventions-ai==0.5.1"
  "opentelemetry-instrumentation-openai==0.62.4"
  "opentelemetry-instrumentation-openai-v2==2.4b0"
  # 2.4b0 imports opentelemetry.util.genai.instruments, which 1.2b0 and later no longer have.
  "opentelemetry-util-genai==1.1b0"
)
pins_check() { # a Python snippet that exits 0 when every pin given is installed
  printf "import sys\nfrom importlib.metadata import version\nwant = {"
  for p in "$@"; do printf "'%s': '%s', " "${p%%==*}" "${p##*==}"; done
  printf "}\nsys.exit(0 if all(version(n) == v for n, v in want.items()) else 1)\n"
}
warden_venv "$ROOT/.tools/instrumentation-venv" "for the instrumentation-library tests" \
  "$(pins_check "${PY_PINS[@]}")" "${PY_PINS[@]}"

# OpenLLMetry's last version that emits the older attribute names (gen_ai.prompt.N.content,
# llm.request.type, llm.usage.total_tokens, gen_ai.system): 0.55.0 moved to the current ones. Same
# pins otherwise, in a venv of its own (one version of a package per venv).
LEGACY_PINS=()
for p in "${PY_PINS[@]}"; do
  case "$p" in
    opentelemetry-instrumentation-openai==*) LEGACY_PINS+=("opentelemetry-instrumentation-openai==0.54.0") ;;
    openinference-*|opentelemetry-instrumentation-openai-v2==*|opentelemetry-util-genai==*) ;;
    *) LEGACY_PINS+=("$p") ;;
  esac
done
warden_venv "$ROOT/.tools/instrumentation-legacy-venv" "for the instrumentation-library tests (older names)" \
  "$(pins_check "${LEGACY_PINS[@]}")" "${LEGACY_PINS[@]}"

# Node: the Vercel AI SDK. package.json + package-lock.json pin it; npm ci only when they changed.
NODE_SRC="$ROOT/packaging/src/test/node"
NODE_DIR="$ROOT/.tools/instrumentation-node"
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  stamp="$(cat "$NODE_SRC/package.json" "$NODE_SRC/package-lock.json" | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$NODE_DIR/.installed" 2>/dev/null || true)" != "$stamp" ] || [ ! -d "$NODE_DIR/node_modules" ]; then
    echo "warden: installing the Vercel AI SDK into $NODE_DIR (for the instrumentation-library tests)" >&2
    mkdir -p "$NODE_DIR"
    cp "$NODE_SRC/package.json" "$NODE_SRC/package-lock.json" "$NODE_DIR/"
    (cd "$NODE_DIR" && npm ci --silent --no-audit --no-fund >/dev/null)
    echo "$stamp" > "$NODE_DIR/.installed"
  fi
else
  echo "warden: node/npm not found; the Vercel AI SDK test will be skipped" >&2
fi
