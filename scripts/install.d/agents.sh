#!/usr/bin/env bash
# For the tests and the demo: a Python venv under .tools/agents-venv for the reference agent (examples/agents/): the
# official OpenAI SDK (pointed at Warden's model gateway), the official MCP client (at the MCP
# gateway) and the OpenTelemetry SDK with its OTLP/HTTP exporter (to Warden's trace store). The
# executors' ProcessExecutor tests, packaging's ExecutorIT and `./warden demo` launch the agent with this
# venv. Idempotent: does nothing when the venv already imports the pinned versions. With --demo a
# failed install is a warning, not an error: the demo then runs without the reference agent.
#   bash scripts/install.d/agents.sh --test
#   bash scripts/install.d/agents.sh --demo
set -euo pipefail
case " $* " in *" --test "*) DEMO="" ;; *" --demo "*) DEMO=1 ;; *) exit 0 ;; esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$ROOT/scripts/python.sh"
OPENAI_VERSION="3.51.0"
MCP_VERSION="2.3.0"
OTEL_VERSION="1.45.2"
install_venv() {
  warden_venv "$ROOT/.tools/agents-venv" "for the reference agent" "
import sys
from importlib.metadata import version
import openai, mcp, opentelemetry.sdk.trace, opentelemetry.exporter.otlp.proto.http.trace_exporter
sys.exit(0 if (version('openai'), version('mcp'), version('opentelemetry-sdk')) == ('$OPENAI_VERSION', '$MCP_VERSION', '$OTEL_VERSION') else 1)
" "openai==$OPENAI_VERSION" "mcp==$MCP_VERSION" "opentelemetry-sdk==$OTEL_VERSION" \
  "opentelemetry-exporter-otlp-proto-http==$OTEL_VERSION"
}
if [ -n "$DEMO" ]; then
  ( install_venv ) || echo "warden: .tools/agents-venv could not be installed: the demo runs without the reference agent" >&2
else
  install_venv
fi
