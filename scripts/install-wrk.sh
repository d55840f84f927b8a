#!/usr/bin/env bash
# Installs wrk (Debian's package), the second load generator of bench/ingest (BENCH_GENERATOR=wrk|both).
# Only the benchmarks use it; the tests do not.
set -euo pipefail
if command -v wrk >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
command -v wrk >/dev/null
