#!/usr/bin/env bash
# Starts a throwaway ClickHouse server for tests: Debian's clickhouse-server (installed with apt-get when
# missing), its own config in a temp dir, listening on 127.0.0.1 only, on free ports.
#   eval "$(scripts/clickhouse-test-server.sh start)"   → exports FOOTFALL_TEST_CLICKHOUSE_URL, CLICKHOUSE_TEST_DIR
#   scripts/clickhouse-test-server.sh down "$CLICKHOUSE_TEST_DIR"   stops the server, keeping its data (outage tests)
#   scripts/clickhouse-test-server.sh up "$CLICKHOUSE_TEST_DIR"     starts it again on the same ports and data
#   scripts/clickhouse-test-server.sh stop "$CLICKHOUSE_TEST_DIR"   stops it and deletes everything
# The server's PID is kept in $dir/pid.
set -euo pipefail

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# run_server <dir>: starts clickhouse-server from <dir>/config.xml, waits for /ping; 0 when it answers.
run_server() {
  local dir=$1 http
  http=$(cat "$dir/http_port")
  clickhouse-server --config-file="$dir/config.xml" >>"$dir/log/stdout.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/pid"
  for _ in $(seq 1 150); do
    if curl -fs "http://127.0.0.1:$http/ping" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "clickhouse-server did not start; log:" >&2
  tail -n 30 "$dir/log/"*.log >&2 || true
  kill "$pid" 2>/dev/null || true
  return 1
}

# halt_server <dir>: SIGTERM, then SIGKILL after 10 s.
halt_server() {
  local dir=$1 pid
  pid=$(cat "$dir/pid" 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$dir/pid"
}

case "${1:-}" in
start)
  if ! command -v clickhouse-server >/dev/null 2>&1; then
    echo "installing clickhouse-server with apt-get" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clickhouse-server >&2
  fi
  dir=$(mktemp -d /tmp/footfall-clickhouse-XXXXXX)
  http=$(free_port); tcp=$(free_port); inter=$(free_port)
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
  sed -e "s#<http_port>8123</http_port>#<http_port>$http</http_port>#" \
      -e "s#<tcp_port>9000</tcp_port>#<tcp_port>$tcp</tcp_port>#" \
      -e "s#<interserver_http_port>9009</interserver_http_port>#<interserver_http_port>$inter</interserver_http_port>#" \
      -e "s#<listen_host>::1</listen_host>##" \
      -e "s#/var/lib/clickhouse/tmp/#$dir/tmp/#" \
      -e "s#/var/lib/clickhouse/user_files/#$dir/user_files/#" \
      -e "s#/var/lib/clickhouse/format_schemas/#$dir/format_schemas/#" \
      -e "s#<path>/var/lib/clickhouse/</path>#<path>$dir/data/</path>#" \
      -e "s#/var/log/clickhouse-server/#$dir/log/#g" \
      /etc/clickhouse-server/config.xml > "$dir/config.xml"
  cp /etc/clickhouse-server/users.xml "$dir/users.xml"
  echo "$http" >"$dir/http_port"
  if run_server "$dir"; then
    echo "export FOOTFALL_TEST_CLICKHOUSE_URL=http://127.0.0.1:$http CLICKHOUSE_TEST_DIR=$dir"
    exit 0
  fi
  exit 1
  ;;
down)
  halt_server "${2:?dir}"
  ;;
up)
  run_server "${2:?dir}"
  ;;
stop)
  dir=${2:?dir}
  halt_server "$dir"
  case "$dir" in /tmp/footfall-clickhouse-*) rm -rf "$dir" ;; esac
  ;;
*)
  echo "usage: $0 start | down <dir> | up <dir> | stop <dir>" >&2
  exit 2
  ;;
esac
