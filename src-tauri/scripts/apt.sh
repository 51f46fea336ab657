# Sourced by tests/run-all.sh and src-tauri/scripts/demo.sh: `apt_install PKG…` installs the
# Debian packages that are missing (as root, or through sudo), waiting for another apt/dpkg
# (fresh machines run unattended upgrades) first.

apt_install() {
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null; then
        echo "apt-get not found; install: ${missing[*]}" >&2
        return 1
    fi
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    for _ in $(seq 1 120); do
        if ! fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock >/dev/null 2>&1; then break; fi
        sleep 2
    done
    printf '\n== apt-get install %s\n' "${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What the desktop window needs to build and run on Debian 12.
DESKTOP_PACKAGES=(libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev
    build-essential pkg-config fonts-ipaexfont-gothic)
