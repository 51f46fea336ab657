#!/usr/bin/env bash
# The real desktop window, driven over WebDriver: tauri-driver in front of WebKitGTK's
# WebKitWebDriver, the app under Xvfb with a throw-away INFOONE_HOME and its demo insurer (real
# HTTPS on loopback) holding the sample group. tests/desktop_webdriver.py works the whole month in
# the window; the screenshots of each step are left in target/desktop-e2e/.
#
#   bash tests/desktop-webdriver.sh [--locked]
#
# Needs (tests/run-all.sh installs them): xvfb xauth webkit2gtk-driver and the desktop build
# packages, xdotool (types into the native file dialogs); ui/dist built. Installs tauri-driver with cargo into target/tools when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# A clerk's machine has a keyring: the window (and the infoone the script runs beside it) work
# inside a real Secret Service, a private D-Bus session with an unlocked gnome-keyring, so the
# database key is made there as on the clerk's machine. Without those programs the window runs
# as it is and keeps its key in a file beside the database (the test then checks the warning).
if [[ -z "${INFOONE_E2E_SESSION:-}" ]] && command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  export INFOONE_E2E_SESSION=keyring CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
  KEYRING_HOME="$(mktemp -d)"
  export KEYRING_HOME
  rc=0
  # shellcheck disable=SC2016
  dbus-run-session -- bash -c 'export HOME="$KEYRING_HOME" XDG_DATA_HOME="$KEYRING_HOME/.local/share"
    echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec bash "$0" "$@"' "${BASH_SOURCE[0]}" "$@" || rc=$?
  rm -rf "$KEYRING_HOME"
  exit "$rc"
fi
export INFOONE_E2E_SESSION="${INFOONE_E2E_SESSION:-plain}"
LOCKED="${1:-}"
TARGET="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
TOOLS="$TARGET/tools"

# Two builds, not one: built together, the two would unify their dependencies' features and
# rebuild everything the test run already built.
# E2E_PROFILE=release: the release binaries (benchmarks: tests/desktop_perf.py).
PROFILE="${E2E_PROFILE:-debug}"
PROFILE_FLAG=""; [[ "$PROFILE" == release ]] && PROFILE_FLAG="--release"
cargo build $LOCKED $PROFILE_FLAG -p infoone-cli
cargo build $LOCKED $PROFILE_FLAG -p infoone-desktop
APP="$TARGET/$PROFILE/infoone-desktop"
CLI="$TARGET/$PROFILE/infoone"
if [[ ! -x "$TOOLS/bin/tauri-driver" ]]; then
  cargo install tauri-driver --version 2.1.0 --locked --root "$TOOLS"
fi
command -v WebKitWebDriver >/dev/null || { echo "WebKitWebDriver missing: apt-get install webkit2gtk-driver" >&2; exit 1; }

WORK="$(mktemp -d)"
XVFB_PID=""; DRIVER_PID=""
cleanup() {
  [[ -n "$DRIVER_PID" ]] && kill "$DRIVER_PID" 2>/dev/null || true
  [[ -n "$XVFB_PID" ]] && kill "$XVFB_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# A free display number.
DISPLAY_NUM=97
while [[ -e "/tmp/.X11-unix/X$DISPLAY_NUM" || -e "/tmp/.X$DISPLAY_NUM-lock" ]]; do DISPLAY_NUM=$((DISPLAY_NUM + 1)); done
Xvfb ":$DISPLAY_NUM" -screen 0 1280x900x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
export DISPLAY=":$DISPLAY_NUM"
for _ in $(seq 50); do [[ -S "/tmp/.X11-unix/X$DISPLAY_NUM" ]] && break; sleep 0.1; done

export INFOONE_HOME="$WORK/home"
mkdir -p "$INFOONE_HOME"
command -v xdotool >/dev/null || { echo "xdotool missing: apt-get install xdotool" >&2; exit 1; }

# WebKitGTK without a GPU: software rendering.
export WEBKIT_DISABLE_DMABUF_RENDERER=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 LIBGL_ALWAYS_SOFTWARE=1
PORT=4444
while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do PORT=$((PORT + 1)); done
"$TOOLS/bin/tauri-driver" --port "$PORT" --native-port $((PORT + 1000)) >"$WORK/driver.log" 2>&1 &
DRIVER_PID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

SHOTS="$TARGET/desktop-e2e"
rm -rf "$SHOTS"
if ! python3 "${E2E_SCRIPT:-tests/desktop_webdriver.py}" "$APP" "http://127.0.0.1:$PORT" "$SHOTS" "$CLI" "$INFOONE_HOME/infoone.db" "$ROOT/sample-data"; then
  echo "--- tauri-driver log"; cat "$WORK/driver.log"
  exit 1
fi
