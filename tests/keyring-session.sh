#!/usr/bin/env bash
# The keyring test against a REAL Secret Service: installs dbus and gnome-keyring (Debian), starts
# a private D-Bus session with an unlocked gnome-keyring-daemon, and runs
# `cargo test --test keyring` (infoone-client's) in it with INFOONE_KEYRING_TEST=1 (without that
# variable the test only says why it does nothing; with it, a missing Secret Service fails it).
# Extra arguments go to `cargo test` (e.g. --locked).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(dbus gnome-keyring dbus-x11)

missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null; then
        echo "keyring-session: apt-get not found; install: ${missing[*]}" >&2
        exit 1
    fi
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    # Wait for another apt/dpkg (fresh machines run unattended upgrades), at most 4 minutes.
    for _ in $(seq 1 120); do
        if ! fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock >/dev/null 2>&1; then break; fi
        sleep 2
    done
    echo "keyring-session: apt-get install ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Build first, outside the session, so the daemon is not kept waiting. The test is chosen by name
# over the workspace's default members (it is infoone-client's): with `-p infoone-client` cargo
# would resolve features for that crate alone and rebuild dependencies the full `cargo test`
# already built.
cargo test --test keyring "$@" --no-run

export INFOONE_KEYRING_TEST=1
export CARGO_ARGS="$*"
# cargo and rustup stay where they are; HOME becomes a throwaway one, so the daemon's login
# keyring (password "test") never touches the user's own.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
KEYRING_HOME="$(mktemp -d)"
trap 'rm -rf "$KEYRING_HOME"' EXIT
export KEYRING_HOME
dbus-run-session -- bash -c '
    set -euo pipefail
    export HOME="$KEYRING_HOME" XDG_DATA_HOME="$KEYRING_HOME/.local/share"
    echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    # shellcheck disable=SC2086
    cargo test --test keyring $CARGO_ARGS -- --test-threads=1 --nocapture
'
