# shellcheck shell=bash
# Helpers shared by the scripts in this folder. Source it; it runs nothing.

# Versions of the tools the build installs (used by setup.sh). Keep wails in
# step with go.mod.
# shellcheck disable=SC2034
WAILS_VERSION=v2.16.0
# staticcheck 2026.2.2 (module v0.8.2) is the release that builds with Go 1.26.
# shellcheck disable=SC2034
STATICCHECK_VERSION=v0.8.2

# log prints a line prefixed with the script's name on stderr.
log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }

# die prints a message and exits non-zero.
die() { log "error: $*"; exit 1; }

# repo_root prints the top of the Chartkeep checkout (the parent of scripts/).
repo_root() { (cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd); }

# go_bin_dir prints where `go install` puts binaries: GOBIN, else the first
# GOPATH entry's bin.
go_bin_dir() {
  local b
  b=$(go env GOBIN)
  [ -n "$b" ] || b="$(go env GOPATH | cut -d: -f1)/bin"
  printf '%s\n' "$b"
}

# use_go_path puts the Go toolchain and the binaries `go install` writes on
# PATH, so that a fresh shell finds go, wails and staticcheck.
use_go_path() {
  if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
    PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null 2>&1 || die "go is not installed (expected /usr/local/go/bin/go)"
  local b
  b=$(go_bin_dir)
  case ":$PATH:" in *":$b:"*) ;; *) PATH="$b:$PATH" ;; esac
  export PATH
}
