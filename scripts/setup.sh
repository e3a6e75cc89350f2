#!/usr/bin/env bash
# One-command set-up on a fresh Debian machine: the system packages the tests and the demo need,
# the npm dependencies (exact, from package-lock.json), and both browser builds.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # chromium + firefox-esr: real-browser tests; redis-server: the collector's scale-out store tests;
  # fonts-noto-cjk: Chinese text in screenshots; openssl: the simulator's local CA.
  $SUDO apt-get install -y -qq --no-install-recommends chromium firefox-esr redis-server fonts-noto-cjk openssl ca-certificates >/dev/null
fi
npm ci --no-audit --no-fund
npm run build
