#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for tests (the Umami import reads Umami's database): Debian's postgresql
# (installed with apt-get when missing), a cluster of its own in a temp dir, on 127.0.0.1 and a free port, trust auth.
#   eval "$(scripts/postgres-test-server.sh start)"   → exports FOOTFALL_TEST_POSTGRES_URL, POSTGRES_TEST_DIR
#   scripts/postgres-test-server.sh stop "$POSTGRES_TEST_DIR"   stops it and deletes everything
set -euo pipefail

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user (made by the package)
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
start)
  if [ -z "$(bindir)" ]; then
    echo "installing postgresql with apt-get" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
  fi
  bin=$(bindir)
  dir=$(mktemp -d /tmp/footfall-postgres-XXXXXX)
  chmod 755 "$dir"
  mkdir -p "$dir/data" "$dir/run"
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir/data" "$dir/run"
  port=$(free_port)
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1
  if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/run/log" -w -t 60 -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/run -c fsync=off" start >&2; then
    echo "postgres did not start; log:" >&2
    tail -n 30 "$dir/run/log" >&2 || true
    exit 1
  fi
  echo "$bin" >"$dir/bin"
  echo "export FOOTFALL_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/postgres POSTGRES_TEST_DIR=$dir"
  ;;
stop)
  dir=${2:?dir}
  if [ -f "$dir/bin" ]; then as_owner "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start | stop <dir>" >&2
  exit 2
  ;;
esac
