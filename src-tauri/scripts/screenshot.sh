#!/usr/bin/env bash
# Builds the desktop app and photographs its first window under a virtual X display.
#
#   src-tauri/scripts/screenshot.sh            # → docs/img/desktop-first-window.png
#                                              #   and docs/img/desktop-month-status.png
#
# Debian/Ubuntu: installs what it lacks with apt (as root, or through sudo). The app runs
# against a throw-away INFOONE_HOME, never the clerk's own database. The second picture shows
# 「状態を表示」 for the worked example's month (tests/data/worked-example), loaded into that
# throw-away database with the `infoone` CLI; it is skipped when the CLI cannot load it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
IMG="$ROOT/docs/img"
FIRST="$IMG/desktop-first-window.png"
STATUS="$IMG/desktop-month-status.png"
DISPLAY_NUM="${DISPLAY_NUM:-99}"

# --- system packages ----------------------------------------------------------------------
PKGS=(libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev
      build-essential pkg-config xvfb xauth imagemagick xdotool fonts-noto-cjk)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  echo "apt: installing ${missing[*]}"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

# --- build -----------------------------------------------------------------------------------
(cd "$ROOT/ui" && npm ci && npm run build)
(cd "$ROOT" && cargo build -p infoone-desktop)
(cd "$ROOT" && cargo build -p infoone-cli) || echo "note: infoone CLI did not build; no status picture"
TARGET="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
APP="$TARGET/debug/infoone-desktop"
CLI="$TARGET/debug/infoone"

# --- run under Xvfb ----------------------------------------------------------------------------
WORK="$(mktemp -d)"
XVFB_PID=""; APP_PID=""
cleanup() {
  [[ -n "$APP_PID" ]] && kill "$APP_PID" 2>/dev/null || true
  [[ -n "$XVFB_PID" ]] && kill "$XVFB_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

Xvfb ":$DISPLAY_NUM" -screen 0 1280x900x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
export DISPLAY=":$DISPLAY_NUM"
for _ in $(seq 50); do [[ -S "/tmp/.X11-unix/X$DISPLAY_NUM" ]] && break; sleep 0.1; done

export INFOONE_HOME="$WORK/home"
mkdir -p "$INFOONE_HOME"
DEMO_MONTH=""
if [[ -x "$CLI" ]] && "$CLI" --db "$INFOONE_HOME/infoone.db" month load \
     "$ROOT/tests/data/worked-example/bill-package.json"; then
  DEMO_MONTH="$(sed -n 's/^ *"month": *"\([0-9-]*\)".*/\1/p' "$ROOT/tests/data/worked-example/bill-package.json" | head -1)"
fi

# WebKitGTK without a GPU: software rendering, no DMA-BUF renderer.
export WEBKIT_DISABLE_DMABUF_RENDERER=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 LIBGL_ALWAYS_SOFTWARE=1
"$APP" >"$WORK/app.log" 2>&1 &
APP_PID=$!

WID=""
for _ in $(seq 120); do
  # GTK also creates a hidden 10×10 leader window; take the visible one.
  WID="$(xdotool search --onlyvisible --name 'InfoOne' 2>/dev/null | head -1 || true)"
  [[ -n "$WID" ]] && break
  kill -0 "$APP_PID" 2>/dev/null || { cat "$WORK/app.log"; echo "the app exited" >&2; exit 1; }
  sleep 0.5
done
[[ -n "$WID" ]] || { cat "$WORK/app.log"; echo "no window appeared" >&2; exit 1; }
sleep 4   # let the web view lay out and paint

mkdir -p "$IMG"
import -window "$WID" "$FIRST"
echo "wrote $FIRST"

if [[ -n "$DEMO_MONTH" ]]; then
  # No window manager: keyboard focus follows the pointer, so put the pointer on the window.
  xdotool mousemove --window "$WID" 400 300
  sleep 0.5
  xdotool key --clearmodifiers ctrl+a
  xdotool type --delay 60 "$DEMO_MONTH"
  xdotool key Return
  sleep 2
  import -window "$WID" "$STATUS"
  echo "wrote $STATUS"
fi
