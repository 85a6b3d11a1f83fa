#!/usr/bin/env bash
# Bench-only (opt-in): a Python venv under .tools/litellm-venv with the LiteLLM proxy, the peer the
# model-gateway benchmark (bench/, io.warden.bench.gateway.GatewayOverheadBench) measures beside
# Warden on the same provider stand-in and load. Neither `./warden run` nor the tests need it.
# Idempotent: does nothing when the venv already imports the pinned version.
#   bash scripts/install.d/litellm.sh --bench      (or scripts/install.sh --bench)
# WARDEN_TOOLS_DIR overrides where the venv goes (default: <repo>/.tools).
set -euo pipefail
case " $* " in *" --bench "*) ;; *) exit 0 ;; esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$ROOT/scripts/python.sh"
TOOLS="${WARDEN_TOOLS_DIR:-$ROOT/.tools}"
LITELLM_VERSION="1.106.12"
# Newer releases need litellm-proxy or litellm-proxy-extras builds the registry here does not serve.
warden_venv "$TOOLS/litellm-venv" "the LiteLLM proxy, a peer for the gateway benchmark" "
import sys
from importlib.metadata import version
import fastapi, uvicorn, backoff  # the proxy's extras (importing litellm itself reaches for the network)
sys.exit(0 if version('litellm') == '$LITELLM_VERSION' else 1)
" "litellm[proxy]==$LITELLM_VERSION"
