#!/usr/bin/env bash
# Three `infoone server` nodes on one PostgreSQL ledger behind nginx (docs/DEPLOYMENT.md), on
# loopback, run under tests/pg-cluster.sh:
#
#   bash tests/pg-cluster.sh bash tests/multi-node.sh [INFOONE_BINARY [GROUPS MONTHS]]
#
# nginx runs docs/deploy/nginx.conf as committed, with only its addresses, ports and file paths
# replaced (sed below), in the foreground with a temporary prefix and unprivileged ports. Checks:
# /readyz of each node and through nginx; a package loaded and a token issued through nginx; one
# node killed (SIGKILL): requests through nginx still answered by the others; the node started
# again: ready again. Then clerks of GROUPS groups (10) work MONTHS months (5) each, all at once,
# through nginx (tests/multi_node_clerks.rs) while another node is killed a third of the way in
# and started again: every month recorded once, every receipt unique (50 x 20 outside CI).
# Everything started here is stopped by its process id when the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${INFOONE_TEST_PG:?run under tests/pg-cluster.sh}"
INFOONE="${1:-${CARGO_TARGET_DIR:-target}/debug/infoone}"
NGINX="${NGINX:-/usr/sbin/nginx}"
STAFF="ios_multi-node-staff-token-0123456789"

work="$(mktemp -d /tmp/infoone-nodes.XXXXXX)"
# nginx's workers (an unprivileged user when started as root) keep large request bodies in a
# temporary folder under it. The nodes' keys stay owner-only.
chmod 0755 "$work"
pids=()
nginx_pid=
watcher=
stop_all() {
  # The watcher first (it would start a node again), then nginx gracefully (SIGTERM: its master
  # stops its workers; SIGKILL would leave them running), then the nodes.
  [[ -n "$watcher" ]] && kill -9 "$watcher" 2>/dev/null
  if [[ -n "$nginx_pid" ]]; then
    kill -TERM "$nginx_pid" 2>/dev/null
    wait "$nginx_pid" 2>/dev/null
  fi
  for p in "${pids[@]}" $(cat "$work"/restarted.pid 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap stop_all EXIT
fail() { echo "multi-node: $*" >&2; for f in "$work"/*.log; do echo "== $f" >&2; tail -20 "$f" >&2; done; exit 1; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

ports=("$(free_port)" "$(free_port)" "$(free_port)")
lb="$(free_port)"
node_pid=()

start_node() {
  local i=$1
  INFOONE_ADMIN_TOKEN="$STAFF" INFOONE_DATABASE_URL="$INFOONE_TEST_PG" "$INFOONE" server \
    --listen "127.0.0.1:${ports[$i]}" --dev-tls "$work/tls" --auth-backoff-secs 0 --db-pool-size 8 \
    >>"$work/node$i.log" 2>&1 &
  node_pid[$i]=$!
  pids+=("$!")
}

# status code of GET URL (trusting the dev CA)
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$work/tls/ca.pem" "$@" || true; }

wait_ready() {
  local url=$1
  for _ in $(seq 1 100); do
    [[ "$(status "$url")" == 200 ]] && return 0
    sleep 0.2
  done
  fail "not ready: $url"
}

# The first node makes the dev CA and the nodes' certificate; the others reuse them.
start_node 0
wait_ready "https://127.0.0.1:${ports[0]}/readyz"
start_node 1
start_node 2
for i in 1 2; do wait_ready "https://127.0.0.1:${ports[$i]}/readyz"; done

sed -e "s|10.0.0.11:8443|127.0.0.1:${ports[0]}|" \
    -e "s|10.0.0.12:8443|127.0.0.1:${ports[1]}|" \
    -e "s|10.0.0.13:8443|127.0.0.1:${ports[2]}|" \
    -e "s|listen 443 ssl;|listen 127.0.0.1:$lb ssl;|" \
    -e "s|/etc/infoone/tls/fullchain.pem|$work/tls/server.pem|" \
    -e "s|/etc/infoone/tls/privkey.pem|$work/tls/server.key|" \
    -e "s|/etc/infoone/tls/nodes-ca.pem|$work/tls/ca.pem|" \
    -e "s|infoone-node.internal;|localhost;|" \
    -e "s|/run/nginx-infoone.pid|$work/nginx.pid|" \
    -e "s|/var/log/nginx/|$work/|g" \
    -e "s|^http {|http {\n    client_body_temp_path $work/body; proxy_temp_path $work/proxy;\n    fastcgi_temp_path $work/fastcgi; uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;|" \
    docs/deploy/nginx.conf >"$work/nginx.conf"
"$NGINX" -t -p "$work" -c "$work/nginx.conf" -e "$work/nginx-error.log" >"$work/nginx-t.log" 2>&1 || fail "nginx -t: $(cat "$work/nginx-t.log")"
"$NGINX" -p "$work" -c "$work/nginx.conf" -e "$work/nginx-error.log" -g 'daemon off;' >>"$work/nginx.log" 2>&1 &
nginx_pid=$!
base="https://127.0.0.1:$lb"
wait_ready "$base/readyz"
echo "multi-node: 3 nodes (ports ${ports[*]}) behind nginx on $base" >&2

# A package loaded and a token issued through nginx.
load="$(curl -sS --fail --cacert "$work/tls/ca.pem" -H "authorization: Bearer $STAFF" \
  --data-binary @tests/data/worked-example/bill-package.json "$base/v1/admin/packages")" || fail "load through nginx"
[[ "$load" == *'"group":"G0001"'* ]] || fail "load answered $load"
token="$(curl -sS --fail --cacert "$work/tls/ca.pem" -H "authorization: Bearer $STAFF" -X POST \
  "$base/v1/admin/groups/G0001/tokens" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')" \
  || fail "token through nginx"

# One node killed: every request through nginx is still answered (200), by the other two.
kill -9 "${node_pid[1]}"
for n in $(seq 1 30); do
  code="$(status -H "authorization: Bearer $token" "$base/v1/groups/G0001/months/2026-12/package")"
  [[ "$code" == 200 ]] || fail "request $n through nginx with node 1 killed: $code"
done
[[ "$(status "https://127.0.0.1:${ports[1]}/healthz")" == 000 ]] || fail "node 1 still answers"
# Started again on the same ledger: ready, and the staff token is not registered twice.
start_node 1
wait_ready "https://127.0.0.1:${ports[1]}/readyz"
for n in $(seq 1 9); do
  code="$(status -H "authorization: Bearer $token" "$base/v1/groups/G0001/months/2026-12/package")"
  [[ "$code" == 200 ]] || fail "request $n after the restart: $code"
done
nodes_seen="$(python3 -c 'import json, sys; print(len({json.loads(l)["node"] for l in open(sys.argv[1]) if "/package" in l}))' "$work/infoone-access.log")"
[[ "$nodes_seen" -ge 2 ]] || fail "nginx's log names $nodes_seen node(s)"
grep -q 'authorization\|Bearer' "$work/infoone-access.log" && fail "a token in nginx's access log"
echo "multi-node: ok (node killed and restarted, every request answered, $nodes_seen nodes in nginx's JSON log)" >&2

# Clerks through nginx while node 2 is killed mid-run (by the test, a third of the way in) and
# started again here as soon as it stops answering.
(
  while [[ "$(status "https://127.0.0.1:${ports[2]}/healthz")" == 200 ]]; do sleep 0.1; done
  start_node 2
  echo "${node_pid[2]}" >"$work/restarted.pid"
  wait_ready "https://127.0.0.1:${ports[2]}/readyz"
  echo "multi-node: node 2 started again" >&2
) &
watcher=$!
INFOONE_LB_URL="$base" INFOONE_LB_CA="$work/tls/ca.pem" INFOONE_STAFF="$STAFF" \
  INFOONE_KILL_PID="${node_pid[2]}" INFOONE_KILL_URL="https://127.0.0.1:${ports[2]}" MULTI_NODE_GROUPS="${2:-10}" MULTI_NODE_MONTHS="${3:-5}" \
  "${CARGO:-cargo}" test --locked -q -p infoone-cli --test multi_node_clerks -- --nocapture \
  || fail "clerks through nginx"
wait "$watcher" || fail "node 2 was not started again"
watcher=
[[ "$(status "https://127.0.0.1:${ports[2]}/readyz")" == 200 ]] || fail "node 2 not ready after the run"
python3 - "$work/infoone-access.log" <<'PY' >&2
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
moved = sum(1 for r in rows if "," in r["node"])
bad = sum(1 for r in rows if r["status"] >= 500)
print(f"multi-node: clerks ok; nginx: {len(rows)} requests, {moved} passed on to another node "
      f"after one failed, {bad} answered 5xx to the clerk (sent again by the clerk)")
PY
