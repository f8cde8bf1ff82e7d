#!/usr/bin/env bash
# A private, throwaway PostgreSQL cluster for the test suites and benchmarks, on 127.0.0.1 only.
#   scripts/pg-cluster.sh start DIR [--durable]   initdb in DIR, start on a free port, print the URL
#   scripts/pg-cluster.sh stop DIR                stop it and delete DIR
# Uses Debian's postgresql binaries (apt-get install postgresql). PostgreSQL refuses to run as
# root, so as root the cluster belongs to the `postgres` user the package creates. Without
# --durable, fsync is off: these clusters hold test data only.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [--durable]" >&2; exit 2; }

bindir() {
  if command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v initdb)")"; return; fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$d" ] || { echo "PostgreSQL is not installed (Debian: apt-get install postgresql)" >&2; exit 1; }
  echo "$d"
}
BIN=$(bindir)

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
  as_owner "$BIN/initdb" -D "$dir/data" -A trust -U ampgate -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})")
  durability="-c fsync=off -c full_page_writes=off"
  [ "${3:-}" = "--durable" ] && durability=""
  as_owner "$BIN/pg_ctl" -D "$dir/data" -w -t 60 -l "$dir/postgres.log" \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=400 $durability" start >/dev/null ||
    { cat "$dir/postgres.log" >&2; exit 1; }
  echo "postgres://ampgate@127.0.0.1:$port/postgres"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop DIR [--durable]" >&2
  exit 2
  ;;
esac
