#!/usr/bin/env bash
# The one test command (README): installs what the tests need on a fresh Debian 12 machine, then
# runs every test. CI calls it through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*" >&2; }

# Debian packages the tests use as independent readers and real services.
APT_PACKAGES=(poppler-utils qpdf python3-openpyxl python3-venv curl dbus gnome-keyring dbus-x11
    libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev build-essential pkg-config
    xvfb xauth webkit2gtk-driver xdotool imagemagick fonts-ipaexfont-gothic postgresql nginx)

# shellcheck source=../src-tauri/scripts/apt.sh
source src-tauri/scripts/apt.sh

apt_install "${APT_PACKAGES[@]}"
# The ui build needs Node.js and npm (the machine image has Node 20; Debian's own otherwise).
command -v npm >/dev/null || apt_install nodejs npm

log "cargo test (every crate but the desktop shell)"
cargo test --locked

log "the insurer's ledger on PostgreSQL: the server's tests again on a throw-away cluster (tests/pg-cluster.sh)"
bash tests/pg-cluster.sh sh -c 'cargo test --locked -p infoone-ledger-pg -p infoone-server &&
    cargo test --locked -p infoone-cli --test server_database --test server_ledger_move'

log "three nodes on one PostgreSQL behind nginx (docs/deploy/nginx.conf): a node killed and restarted, clerks of 10 groups x 5 months through nginx while another is killed; the backup commands of docs/DEPLOYMENT.md"
INFOONE_BIN="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/debug/infoone"
bash tests/pg-cluster.sh bash tests/multi-node.sh "$INFOONE_BIN"
bash docs/deploy/backup-trial.sh "$INFOONE_BIN"

log "supply chain: cargo deny check licenses bans sources (.ci/deny.toml; advisories need a network)"
TOOLS="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/tools"
if [[ ! -x "$TOOLS/bin/cargo-deny" ]]; then
  cargo install cargo-deny --version 0.20.2 --locked --root "$TOOLS"
fi
"$TOOLS/bin/cargo-deny" --config .ci/deny.toml check licenses bans sources

log "keyring: the client's token in a real Secret Service (dbus-run-session + gnome-keyring)"
bash tests/keyring-session.sh --locked

log "schemathesis against the insurer API's OpenAPI document, over real TLS"
bash tests/schemathesis.sh

log "desktop shell: ui build, then build and test it (WebKitGTK)"
(cd ui && npm ci --no-audit --no-fund && npm run build && npm test)
cargo test --locked -p infoone-desktop

log "desktop window over WebDriver (tauri-driver + WebKitWebDriver under Xvfb)"
bash tests/desktop-webdriver.sh --locked
