#!/usr/bin/env bash
# Installs what building and testing Chartkeep needs, and only what is missing:
# Debian packages, the Wails CLI, staticcheck and the frontend's npm packages.
# Safe to run again; it prints each thing it does and says when nothing was
# needed. Needs root or sudo only when a Debian package is missing.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

APT_PACKAGES=(
  libgtk-3-dev libwebkit2gtk-4.1-dev pkg-config gcc   # cgo build of the Linux app
  xvfb xauth x11-utils xdotool imagemagick            # a display for e2e, screenshots
  dbus dbus-x11 gnome-keyring libsecret-tools         # a real Secret Service for tests
  chromium                                            # the e2e "system browser"
  nsis                                                # the Windows installer
)

did=0

# as_root runs a command as root, through sudo when the user is not root.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*': run this script as root or install sudo"
  fi
}

installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

setup_apt() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages: all ${#APT_PACKAGES[@]} present"
    return
  fi
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    die "missing Debian packages: ${missing[*]}. Installing them needs root:" \
      "run this script as root, install sudo, or run: apt-get install ${missing[*]}"
  fi
  log "Debian packages: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  did=1
}

check_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    die "Node.js 20.19+ (or 22.12+) and npm are needed (node or npm not found on PATH)"
  fi
  # Vite 8 needs ^20.19.0 || >=22.12.0 (frontend/package.json "engines").
  node -e '
    const [a, b] = process.versions.node.split(".").map(Number);
    process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1);' ||
    die "Node.js 20.19+ or 22.12+ is needed, found $(node --version)"
}

setup_wails() {
  local have
  have=$(wails version 2>/dev/null | head -n 1 | tr -d '\r' || true)
  if [ "$have" = "$WAILS_VERSION" ]; then
    log "wails CLI: $WAILS_VERSION present"
    return
  fi
  log "wails CLI: installing $WAILS_VERSION (found '${have:-none}'; takes about 90 s)"
  go install "github.com/wailsapp/wails/v2/cmd/wails@$WAILS_VERSION"
  did=1
}

setup_staticcheck() {
  local want="(${STATICCHECK_VERSION#v})"
  if staticcheck -version 2>/dev/null | grep -qF "$want"; then
    log "staticcheck: $STATICCHECK_VERSION present"
    return
  fi
  log "staticcheck: installing $STATICCHECK_VERSION"
  go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
  did=1
}

# setup_frontend runs npm ci when node_modules is missing or was installed from
# another package-lock.json; the lock's hash is kept inside node_modules.
setup_frontend() {
  local dir="$ROOT/frontend" stamp sum
  if [ ! -f "$dir/package.json" ]; then
    log "frontend: no frontend/package.json yet, skipping npm ci"
    return
  fi
  [ -f "$dir/package-lock.json" ] ||
    die "frontend/package-lock.json is missing: run 'npm install' in frontend/ and commit it"
  stamp="$dir/node_modules/.chartkeep-lock.sha256"
  sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
    log "frontend: node_modules matches package-lock.json"
    return
  fi
  log "frontend: npm ci"
  (cd "$dir" && npm ci --no-audit --no-fund)
  printf '%s\n' "$sum" >"$stamp"
  # wails build runs frontend:install (npm ci) again unless package.json.md5
  # holds package.json's hash; write it so the build does not reinstall.
  printf '%s' "$(md5sum "$dir/package.json" | cut -d' ' -f1)" >"$dir/package.json.md5"
  did=1
}

# ensure_dist keeps frontend/dist non-empty: the Go code embeds it, so go vet
# and go test fail to compile without at least the committed placeholder.
ensure_dist() {
  if [ ! -e "$ROOT/frontend/dist/.gitkeep" ]; then
    log "frontend/dist/.gitkeep: restoring the placeholder"
    mkdir -p "$ROOT/frontend/dist"
    : >"$ROOT/frontend/dist/.gitkeep"
    did=1
  fi
}

ROOT=$(repo_root)
setup_apt
use_go_path
check_node
setup_wails
setup_staticcheck
setup_frontend
ensure_dist
if [ "$did" -eq 0 ]; then
  log "nothing to do: everything is installed"
else
  log "done"
fi
