#!/usr/bin/env bash
# The backup commands of docs/DEPLOYMENT.md, run end to end on a throw-away PostgreSQL cluster
# (Debian's postgresql package; as root the cluster runs as `postgres`), so the commands there are
# the ones that ran here:
#
#   bash docs/deploy/backup-trial.sh [INFOONE_BINARY]
#
# 1. a cluster with WAL archiving on; the sample group's ledger moved in from SQLite
#    (`infoone server-ledger move`);
# 2. a base backup (pg_basebackup) and a logical dump (pg_dump -Fc);
# 3. a write after the base backup (a group token issued), the time noted, then a mistake (the
#    members' table emptied);
# 4. point-in-time recovery into a new data folder: the base backup plus the archived WAL up to
#    the noted time: the token is there, the members are there;
# 5. the dump restored into a new database (pg_restore): the members are there;
# and `infoone server-token list` reads both restored ledgers.
set -euo pipefail
cd "$(dirname "$0")/../.."
INFOONE="$(realpath "${1:-${CARGO_TARGET_DIR:-target}/debug/infoone}")"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}"
export PATH="$PG_BIN:$PATH"

as=()
owner="$(id -un)"
if [[ "$(id -u)" -eq 0 ]]; then owner=postgres; as=(runuser -u postgres --); fi
dir="$(mktemp -d /tmp/infoone-backup.XXXXXX)"
chmod 0755 "$dir"
[[ "$(id -u)" -eq 0 ]] && chown "$owner" "$dir"
cleanup() {
  for d in data restored; do
    [[ -f "$dir/$d/postmaster.pid" ]] && "${as[@]}" pg_ctl -D "$dir/$d" -m immediate -w stop >/dev/null 2>&1 || true
  done
  rm -rf "$dir"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
p1="$(port)"; p2="$(port)"
say() { printf '\n== %s\n' "$*" >&2; }

say "1. cluster with WAL archiving (archive_mode=on, archive_command copies each segment to $dir/wal)"
"${as[@]}" mkdir "$dir/wal"
"${as[@]}" initdb -D "$dir/data" -U "$owner" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $p1
unix_socket_directories = '$dir'
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $dir/wal/%f && cp %p $dir/wal/%f'
EOF
"${as[@]}" pg_ctl -D "$dir/data" -l "$dir/data.log" -w start >/dev/null
createdb -h 127.0.0.1 -p "$p1" -U "$owner" ledger
URL="postgres://$owner@127.0.0.1:$p1/ledger"

"$INFOONE" --db "$dir/clerk.db" month-end --package sample-data/bill-package.json --hr sample-data/hr.xlsx \
  --deductions sample-data/deductions.csv --out "$dir/out" --demo-server >/dev/null 2>&1
"$INFOONE" server-ledger move --from "$dir/out/insurer/insurer.db" --to "$URL"
members() { psql -h 127.0.0.1 -p "$1" -U "$owner" -d "$2" -tAc 'SELECT count(*) FROM srv_members'; }
tokens() { psql -h 127.0.0.1 -p "$1" -U "$owner" -d "$2" -tAc 'SELECT count(*) FROM srv_tokens'; }
before_members="$(members "$p1" ledger)"
before_tokens="$(tokens "$p1" ledger)"
echo "members $before_members, tokens $before_tokens" >&2

say "2. base backup and logical dump"
"${as[@]}" pg_basebackup -h 127.0.0.1 -p "$p1" -U "$owner" -D "$dir/base" -Fp -Xs -c fast
pg_dump -h 127.0.0.1 -p "$p1" -U "$owner" -Fc -f "$dir/ledger.dump" ledger
ls -l "$dir/ledger.dump" >&2

say "3. a write after the base backup, the time noted, then a mistake"
psql -h 127.0.0.1 -p "$p1" -U "$owner" -d ledger -qc \
  "INSERT INTO srv_tokens (token_hash, role, group_code, label, created_at) SELECT 'trial-' || md5(random()::text), 'group', code, 'after the base backup', '2026-12-06T02:00:00+09:00' FROM srv_groups"
sleep 1
target="$(psql -h 127.0.0.1 -p "$p1" -U "$owner" -d ledger -tAc "SELECT now()")"
sleep 1
psql -h 127.0.0.1 -p "$p1" -U "$owner" -d ledger -qc "DELETE FROM srv_members"
psql -h 127.0.0.1 -p "$p1" -U "$owner" -d ledger -tAc "SELECT pg_switch_wal()" >/dev/null
sleep 2 # the archiver copies the finished segment
echo "recovery target: $target; members now $(members "$p1" ledger)" >&2
"${as[@]}" pg_ctl -D "$dir/data" -m fast -w stop >/dev/null

say "4. point-in-time recovery: the base backup and the archived WAL up to $target"
"${as[@]}" cp -a "$dir/base" "$dir/restored"
cat >>"$dir/restored/postgresql.conf" <<EOF
port = $p2
restore_command = 'cp $dir/wal/%f %p'
recovery_target_time = '$target'
recovery_target_action = 'promote'
EOF
"${as[@]}" touch "$dir/restored/recovery.signal"
"${as[@]}" pg_ctl -D "$dir/restored" -l "$dir/restored.log" -w -t 120 start >/dev/null
for _ in $(seq 1 60); do
  [[ "$(psql -h 127.0.0.1 -p "$p2" -U "$owner" -d ledger -tAc 'SELECT pg_is_in_recovery()')" == f ]] && break
  sleep 0.5
done
recovered_members="$(members "$p2" ledger)"
recovered_tokens="$(tokens "$p2" ledger)"
echo "recovered: members $recovered_members, tokens $recovered_tokens" >&2
[[ "$recovered_members" == "$before_members" ]] || { echo "members: $recovered_members" >&2; exit 1; }
[[ "$recovered_tokens" -eq $((before_tokens + 1)) ]] || { echo "tokens: $recovered_tokens" >&2; exit 1; }
INFOONE_DATABASE_URL="postgres://$owner@127.0.0.1:$p2/ledger" "$INFOONE" server-token list

say "5. the dump restored into a new database"
createdb -h 127.0.0.1 -p "$p2" -U "$owner" ledger_from_dump
pg_restore -h 127.0.0.1 -p "$p2" -U "$owner" -d ledger_from_dump --no-owner "$dir/ledger.dump"
[[ "$(members "$p2" ledger_from_dump)" == "$before_members" ]] || exit 1
INFOONE_DATABASE_URL="postgres://$owner@127.0.0.1:$p2/ledger_from_dump" "$INFOONE" server-token list
echo "backup-trial: ok" >&2
