#!/usr/bin/env bash
# Opens an oubli HTML report in headless Chromium (Debian's `chromium`) and saves a
# screenshot, to check that the report renders as a person would see it.
#
#   scripts/screenshot-report.sh REPORT.html [OUT.png]
set -euo pipefail
html="$(readlink -f "${1:?usage: screenshot-report.sh REPORT.html [OUT.png]}")"
out="$(readlink -f "${2:-${html%.html}.png}")"
if ! command -v chromium >/dev/null 2>&1; then
    echo "installing Debian's chromium" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
# The background-networking flags keep Chromium from reaching for hosts this machine
# cannot reach; the report itself loads nothing from the network.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size=1280,2400 \
    --screenshot="$out" "file://$html" >/dev/null 2>&1
[[ -s "$out" ]] || { echo "error: chromium wrote no screenshot" >&2; exit 1; }
echo "$out"
