#!/usr/bin/env bash
# Starts a throwaway ClickHouse server for tests: Debian's clickhouse-server (installed with apt-get when
# missing), its own config in a temp dir, listening on 127.0.0.1 only, on free ports.
#   eval "$(scripts/clickhouse-test-server.sh start)"   → exports FOOTFALL_TEST_CLICKHOUSE_URL, CLICKHOUSE_TEST_PID, CLICKHOUSE_TEST_DIR
#   scripts/clickhouse-test-server.sh stop "$CLICKHOUSE_TEST_PID" "$CLICKHOUSE_TEST_DIR"
set -euo pipefail

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

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
  clickhouse-server --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    if curl -fs "http://127.0.0.1:$http/ping" >/dev/null 2>&1; then
      echo "export FOOTFALL_TEST_CLICKHOUSE_URL=http://127.0.0.1:$http CLICKHOUSE_TEST_PID=$pid CLICKHOUSE_TEST_DIR=$dir"
      exit 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "clickhouse-server did not start; log:" >&2
  tail -n 30 "$dir/log/"*.log >&2 || true
  kill "$pid" 2>/dev/null || true
  exit 1
  ;;
stop)
  pid=${2:?pid}; dir=${3:?dir}
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start | stop <pid> <dir>" >&2
  exit 2
  ;;
esac
