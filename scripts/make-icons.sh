#!/usr/bin/env bash
# Draws Chartkeep's app icon with ImageMagick: a rounded teal square with a
# white cross and a pulse line. Writes build/appicon.png (1024x1024, which
# Wails turns into the Linux and macOS icons) and build/windows/icon.ico.
# The outputs are committed; run this only to change the icon.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v convert >/dev/null 2>&1 || die "ImageMagick's convert not found: run scripts/setup.sh"

out=$(repo_root)/build
mkdir -p "$out/windows"
convert -size 1024x1024 xc:none \
  \( -size 1024x1024 gradient:'#14a3a0-#0b6e72' \) \
  \( -size 1024x1024 xc:none -fill white -draw "roundrectangle 32,32 991,991 200,200" \) \
  -delete 0 -compose DstIn -composite -compose Over \
  -fill white \
  -draw "roundrectangle 412,232 612,792 36,36" \
  -draw "roundrectangle 232,412 792,612 36,36" \
  -fill none -stroke '#0b6e72' -strokewidth 34 \
  -draw "stroke-linejoin round stroke-linecap round
         polyline 250,512 420,512 470,430 540,610 590,470 620,512 774,512" \
  -strip PNG32:"$out/appicon.png"
convert "$out/appicon.png" -define icon:auto-resize=256,128,64,48,32,24,16 \
  "$out/windows/icon.ico"
log "wrote build/appicon.png and build/windows/icon.ico"
