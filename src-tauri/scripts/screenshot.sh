#!/usr/bin/env bash
# The pictures of the main screens in docs/img: runs the real-window month walk
# (tests/desktop-webdriver.sh: the sample group against the demo insurer under Xvfb) and crops
# its screenshots of each step to the window.
#
#   bash src-tauri/scripts/screenshot.sh        # → docs/img/desktop-*.png
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
bash tests/desktop-webdriver.sh
TARGET="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
for f in "$TARGET"/desktop-e2e/*.png; do
    name="$(basename "$f" .png)"
    name="${name#*-}"
    [[ "$name" == failure || "$name" == empty ]] && continue
    # The window is 1100×760, centred on the 1280×900 screen.
    convert "$f" -crop 1100x760+90+70 +repage "docs/img/desktop-$name.png"
    echo "docs/img/desktop-$name.png"
done
