#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests and the dashboard benchmark (never a browser download from
# elsewhere). Prints the executable's path. Needs root (CI runs as root) or an existing /usr/bin/chromium.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then echo /usr/bin/chromium; exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "install-chromium: not root and no /usr/bin/chromium; run: sudo apt-get install chromium" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium fonts-liberation >&2
echo /usr/bin/chromium
