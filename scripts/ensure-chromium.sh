#!/usr/bin/env bash
# Makes sure a Chromium for the browser tests is on this machine (Debian's `chromium`).
# Playwright drives it through executablePath; no browser is ever downloaded at run time.
# As root it installs the package; otherwise it says what to run.
set -euo pipefail

browser="${NLQ_CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$browser" ]]; then exit 0; fi

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "==> installing Chromium for the browser tests (apt-get install chromium)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null
  exit 0
fi

cat >&2 <<'MSG'
Chromium is missing (the browser tests drive it headless).
Install it, then run make again:
    sudo apt-get install -y chromium           # Debian / Ubuntu
or point NLQ_CHROMIUM at a Chromium / Chrome binary.
MSG
exit 1
