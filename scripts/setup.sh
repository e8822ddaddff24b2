#!/usr/bin/env bash
# setup.sh: install the Debian packages pingan builds and tests with, when missing, and
# any others named as arguments (the benchmarks: `scripts/setup.sh wrk`). Chromium is for
# the browser tests; Node.js 20 and npm, which build the web face, come with the machine
# (Debian 12's own nodejs is 18, older than the build tools want).
# Needs root (or sudo) only when something is missing; does nothing otherwise.
set -euo pipefail
pkgs=(build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3
      libsodium-dev libssl-dev libopencc-dev opencc libcmocka-dev python3 curl clang-format
      libhpdf-dev libpq-dev postgresql fonts-arphic-uming fonts-wqy-zenhei poppler-utils chromium "$@")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "setup: run as root (or install: ${missing[*]})" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
