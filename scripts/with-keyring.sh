#!/usr/bin/env bash
# Runs a command against a real, unlocked Secret Service of its own:
#
#   scripts/with-keyring.sh CMD [ARG...]
#
# It starts a private D-Bus session bus (dbus-run-session) and, on it,
# gnome-keyring-daemon with only the secrets component, unlocked with a
# throwaway password. The daemon keeps its keyrings in a temporary folder, so
# the user's own keychain is never read or written, and a fresh "login"
# collection (the default alias, which go-keyring writes to) exists before CMD
# starts, so no Set call waits on an unlock prompt. Works as root with no
# display. Everything is removed when CMD ends; the exit status is CMD's.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -gt 0 ] || die "usage: ${0##*/} CMD [ARG...]"

if [ -z "${CHARTKEEP_KEYRING_BUS:-}" ]; then
  for tool in dbus-run-session gnome-keyring-daemon dbus-send; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found: run scripts/setup.sh"
  done
  # dbus-run-session's daemon warns that it cannot raise its fd limit when run
  # unprivileged in a container; that is harmless and the bus works.
  CHARTKEEP_KEYRING_BUS=1 exec dbus-run-session -- "$0" "$@"
fi
unset CHARTKEEP_KEYRING_BUS

tmp=$(mktemp -d "${TMPDIR:-/tmp}/chartkeep-keyring.XXXXXX")
daemon=
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  if [ -n "$daemon" ]; then
    kill "$daemon" 2>/dev/null || true
    wait "$daemon" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -m 700 "$tmp/control" "$tmp/data"
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  mkdir -m 700 "$tmp/run"
  export XDG_RUNTIME_DIR="$tmp/run"
fi

# --unlock reads the password from stdin and, finding no login keyring in
# XDG_DATA_HOME, creates one with it and makes it the default collection.
head -c 24 /dev/urandom | base64 |
  XDG_DATA_HOME="$tmp/data" gnome-keyring-daemon --foreground --unlock \
    --components=secrets --control-directory="$tmp/control" >"$tmp/daemon.log" 2>&1 &
daemon=$!

owned() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
    grep -q 'boolean true'
}
for _ in $(seq 100); do
  owned && break
  kill -0 "$daemon" 2>/dev/null || { cat "$tmp/daemon.log" >&2; die "gnome-keyring-daemon exited"; }
  sleep 0.1
done
owned || { cat "$tmp/daemon.log" >&2; die "no Secret Service on the bus after 10 s"; }
[ -f "$tmp/data/keyrings/login.keyring" ] || log "warning: no login keyring was created"

export GNOME_KEYRING_CONTROL="$tmp/control"
rc=0
"$@" || rc=$?
exit "$rc"
