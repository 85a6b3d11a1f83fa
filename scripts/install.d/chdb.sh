#!/usr/bin/env bash
# Test-only: a Python venv under .tools/chdb-venv with chDB, the modern ClickHouse engine embedded
# in-process. trace-store's ClickHouseSpanStoreIT runs the real ClickHouse JDBC driver against it
# through a small HTTP shim (trace-store/src/test/python/chdb_http_server.py). Idempotent: does
# nothing when the venv already imports the pinned version.
#   bash scripts/install.d/chdb.sh --test
set -euo pipefail
case " $* " in *" --test "*) ;; *) exit 0 ;; esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$ROOT/scripts/python.sh"
CHDB_VERSION="26.9.0"
# lz4 and clickhouse-cityhash give the shim ClickHouse's native compressed blocks (the driver's
# default compress=1 responses carry LZ4 blocks with CityHash128 checksums).
warden_venv "$ROOT/.tools/chdb-venv" "for the ClickHouse integration test" "
import sys
from importlib.metadata import version
import chdb, lz4.block, clickhouse_cityhash.cityhash
sys.exit(0 if version('chdb-core') == '$CHDB_VERSION' else 1)
" "chdb-core==$CHDB_VERSION" "lz4==4.4.5" "clickhouse-cityhash==1.0.2.6"
