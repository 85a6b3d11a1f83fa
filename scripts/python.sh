# Sourced by install steps that need a Python virtualenv under .tools/ (test tools, peer clients,
# the reference agent). warden_venv VENV_DIR PURPOSE CHECK_PY PACKAGE...
#   does nothing when VENV_DIR/bin/python runs CHECK_PY (a Python snippet that exits 0 when the venv
#   is complete); otherwise installs python3 + venv if missing (root + apt only), creates the venv
#   and pip-installs the pinned PACKAGEs. Idempotent.

warden_pick_python() { # a python3 >= 3.9 with the venv module
  local py
  for py in python3 python3.13 python3.12 python3.11 python3.10 python3.9; do
    command -v "$py" >/dev/null 2>&1 || continue
    if "$py" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 9) else 1)' >/dev/null 2>&1; then
      command -v "$py"; return 0
    fi
  done
  return 1
}

warden_venv() {
  local venv="$1" purpose="$2" check="$3"
  shift 3
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$check" >/dev/null 2>&1; then
    return 0
  fi
  local py
  py="$(warden_pick_python || true)"
  if [ -z "$py" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "warden: installing python3 and python3-venv ($purpose)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
    py="$(warden_pick_python || true)"
  fi
  if [ -z "$py" ]; then
    echo "warden: python3 (3.9 or newer, with venv) is missing; install the python3 and python3-venv packages and re-run." >&2
    return 1
  fi
  echo "warden: installing $* into $venv ($purpose)" >&2
  if ! "$venv/bin/python" -c 'import pip' >/dev/null 2>&1; then
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    "$py" -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@"
  "$venv/bin/python" -c "$check"
}
