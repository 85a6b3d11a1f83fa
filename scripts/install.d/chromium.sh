#!/usr/bin/env bash
# Test-only: Debian's headless-capable Chromium and its WebDriver, for the console's browser tests
# (packaging ConsoleBrowserIT drives them through Selenium). Idempotent: does nothing when both
# `chromium` and `chromedriver` are on PATH.
#   bash scripts/install.d/chromium.sh --test
set -euo pipefail
case " $* " in *" --test "*) ;; *) exit 0 ;; esac

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "warden: the console's browser tests need Chromium and its driver; as root on Debian run" >&2
  echo "warden:   apt-get install -y chromium chromium-driver" >&2
  echo "warden: (or put 'chromium' and 'chromedriver' on PATH) and re-run." >&2
  exit 1
fi
echo "warden: installing chromium and chromium-driver (for the console's browser tests)" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
echo "warden: $(chromium --version 2>/dev/null || echo chromium) installed" >&2
