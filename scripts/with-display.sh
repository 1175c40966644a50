#!/usr/bin/env bash
# Runs a command on a virtual X display of its own:
#
#   scripts/with-display.sh CMD [ARG...]
#
# It starts Xvfb (through xvfb-run, on the first free display number) with one
# 1280x860 24-bit screen, exports DISPLAY and XAUTHORITY, and sets what
# WebKitGTK needs to draw pages on such a display (software GL, no GPU
# compositing, the X11 backend). Works as root. The display is shut down when
# CMD ends; the exit status is CMD's. Each variable below can be overridden
# from the caller's environment.
#
# CHARTKEEP_SCREEN overrides the screen geometry (default 1280x860x24).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -gt 0 ] || die "usage: ${0##*/} CMD [ARG...]"

# Second stage, inside xvfb-run: services that a session bus starts on demand
# (the desktop portal that opens URLs, the accessibility bus) take the bus's
# environment, not ours; give them the display too, then become CMD.
if [ "${1:-}" = --on-display ]; then
  shift
  if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    dbus-update-activation-environment DISPLAY XAUTHORITY GDK_BACKEND 2>/dev/null ||
      log "warning: could not pass DISPLAY to the session bus"
  fi
  exec "$@"
fi

command -v xvfb-run >/dev/null 2>&1 || die "xvfb-run not found: run scripts/setup.sh"
command -v xauth >/dev/null 2>&1 || die "xauth not found: run scripts/setup.sh"

# Xvfb has no GPU: Mesa renders in software, and WebKitGTK's accelerated
# compositing and DMA-BUF renderer are turned off, which is what leaves a web
# view blank on GPU-less displays. (WebKitGTK 2.50 on Debian 12 drew the page
# under Xvfb as root even without these, and needed no sandbox switch.)
export LIBGL_ALWAYS_SOFTWARE="${LIBGL_ALWAYS_SOFTWARE:-1}"
export WEBKIT_DISABLE_COMPOSITING_MODE="${WEBKIT_DISABLE_COMPOSITING_MODE:-1}"
export WEBKIT_DISABLE_DMABUF_RENDERER="${WEBKIT_DISABLE_DMABUF_RENDERER:-1}"
export GDK_BACKEND="${GDK_BACKEND:-x11}"
# Keeps GTK's own accessibility bridge quiet; no screen reader runs here.
export NO_AT_BRIDGE="${NO_AT_BRIDGE:-1}"
unset WAYLAND_DISPLAY

exec xvfb-run -a -s "-screen 0 ${CHARTKEEP_SCREEN:-1280x860x24} -nolisten tcp" \
  "$0" --on-display "$@"
