#!/usr/bin/env bash
# Test-only: a Python venv under .tools/chdb-venv with chDB, the modern ClickHouse engine embedded
# in-process. trace-store's ClickHouseSpanStoreIT runs the real ClickHouse JDBC driver against it
# through a small HTTP shim (trace-store/src/test/python/chdb_http_server.py). Idempotent: does
# nothing when the venv already imports the pinned version.
#   bash scripts/install.d/chdb.sh --test
set -euo pipefail
case " $* " in *" --test "*) ;; *) exit 0 ;; esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.tools/chdb-venv"
CHDB_VERSION="26.9.0"
# lz4 and clickhouse-cityhash give the shim ClickHouse's native compressed blocks (the driver's
# default compress=1 responses carry LZ4 blocks with CityHash128 checksums).
PACKAGES=("chdb-core==$CHDB_VERSION" "lz4==4.4.5" "clickhouse-cityhash==1.0.2.6")

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "$CHDB_VERSION" >/dev/null 2>&1 <<'PY'
import sys
from importlib.metadata import version
import chdb, lz4.block, clickhouse_cityhash.cityhash  # noqa: F401  (the imports are the check)
sys.exit(0 if version("chdb-core") == sys.argv[1] else 1)
PY
then
  exit 0
fi

pick_python() { # a python3 >= 3.9 with the venv module
  local py
  for py in python3 python3.13 python3.12 python3.11 python3.10 python3.9; do
    command -v "$py" >/dev/null 2>&1 || continue
    if "$py" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 9) else 1)' >/dev/null 2>&1; then
      command -v "$py"; return 0
    fi
  done
  return 1
}

PY="$(pick_python || true)"
if [ -z "$PY" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "warden: installing python3 and python3-venv (for the ClickHouse integration test)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
    PY="$(pick_python || true)"
  fi
fi
if [ -z "$PY" ]; then
  echo "warden: python3 (3.9 or newer, with venv) is missing; install the python3 and python3-venv packages and re-run." >&2
  exit 1
fi

echo "warden: installing ${PACKAGES[*]} into $VENV (for the ClickHouse integration test)" >&2
if ! "$VENV/bin/python" -c 'import pip' >/dev/null 2>&1; then
  rm -rf "$VENV"
  mkdir -p "$ROOT/.tools"
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PACKAGES[@]}"
"$VENV/bin/python" -c 'import chdb; print("warden: chdb", chdb.__version__, "ready")' >&2
