#!/usr/bin/env bash
# The README's main command: the clerk's window on the sample group, against a local insurer over
# real HTTPS (started inside the app, the group's token kept in memory).
#
#   bash src-tauri/scripts/demo.sh            # installs what is missing, builds, opens the window
#
# Installs the missing Debian packages and npm, builds the screens (ui/) and the app (release),
# then opens the window with a fresh demo database in out/desktop-demo (the previous demo's is
# replaced; your own database is never touched). Where there is no display it says so and runs the
# same month headless (`infoone month-end --demo-server`) instead.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=apt.sh
source src-tauri/scripts/apt.sh

PACKAGE="$ROOT/sample-data/bill-package.json"
if [[ "$(uname)" == "Linux" && -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    echo "画面（ディスプレイ）がありません。ウィンドウの代わりに同じ月次処理をコマンドで実行します。" >&2
    echo "No display: running the same month headless instead (infoone month-end --demo-server)." >&2
    exec cargo run --release -p infoone-cli -- month-end --package "$PACKAGE" \
        --hr sample-data/hr.xlsx --deductions sample-data/deductions.csv --out out --demo-server
fi

if [[ "$(uname)" == "Linux" ]]; then
    apt_install "${DESKTOP_PACKAGES[@]}"
fi
command -v npm >/dev/null || apt_install nodejs npm
(cd ui && { [[ -d node_modules ]] || npm ci --no-audit --no-fund; } && npm run build)
cargo build --release -p infoone-desktop

export INFOONE_HOME="$ROOT/out/desktop-demo"
mkdir -p "$INFOONE_HOME"
rm -f "$INFOONE_HOME"/infoone.db "$INFOONE_HOME"/infoone.db-wal "$INFOONE_HOME"/infoone.db-shm "$INFOONE_HOME"/desktop.json
echo "InfoOne を開きます（デモ用の保険会社サーバーつき）。「読込」→「保険会社から取得」で始めてください。" >&2
TARGET="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
exec "$TARGET/release/infoone-desktop" --demo "$PACKAGE"
