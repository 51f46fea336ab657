#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster (issue 8):
#
#   bash tests/pg-cluster.sh cargo test -p infoone-server
#
# initdb's a cluster in a temporary folder, starts it on a free loopback port (no Unix socket
# outside that folder, no TCP outside 127.0.0.1, trust authentication: nothing else can reach
# it), creates the database `infoone_test`, exports INFOONE_TEST_PG=postgres://USER@127.0.0.1:PORT/
# infoone_test, runs the command, and stops and removes the cluster when it ends, whatever
# happens. PostgreSQL is Debian's `postgresql` package (15 or later); PG_BIN overrides where its
# programs are. As root the cluster runs as the `postgres` user (initdb refuses root).
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARG…]" >&2
  exit 2
fi

if [[ -z "${PG_BIN:-}" ]]; then
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
fi
if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" ]]; then
  echo "pg-cluster: PostgreSQL's initdb not found (apt-get install postgresql, or set PG_BIN)" >&2
  exit 1
fi

as_owner=()
owner="$(id -un)"
if [[ "$(id -u)" -eq 0 ]]; then
  owner=postgres
  as_owner=(runuser -u postgres --)
fi

dir="$(mktemp -d /tmp/infoone-pg.XXXXXX)"
chmod 0755 "$dir"
[[ "$(id -u)" -eq 0 ]] && chown "$owner" "$dir"

stop() {
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    "${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

"${as_owner[@]}" "$PG_BIN/initdb" -D "$dir/data" -U "$owner" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
  >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
# fsync stays on (the default): the tests measure the ledger as an operator would run it.
"${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
"${as_owner[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U "$owner" infoone_test

export INFOONE_TEST_PG="postgres://$owner@127.0.0.1:$port/infoone_test"
echo "pg-cluster: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (INFOONE_TEST_PG=$INFOONE_TEST_PG)" >&2
status=0
"$@" || status=$?
exit "$status"
