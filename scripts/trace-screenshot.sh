#!/bin/sh
# Regenerates docs/trace-pi.png, the README's picture of a real trace: builds, runs
# examples/pi.ts on 4 ranks with --trace, renders the trace (scripts/render-trace.ts) and
# screenshots the page with headless Chromium (Debian: apt-get install chromium).
#   npm run trace-screenshot   [INTERVALS, default 2000000]
set -eu
cd "$(dirname "$0")/.."
intervals="${1:-2000000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm run build >/dev/null
node dist/launcher/cli.js -n 4 --trace "$work/pi-trace.json" examples/pi.ts "$intervals"
npx tsx scripts/render-trace.ts "$work/pi-trace.json" "$work/pi-trace.html" --after-init \
  --title "tsmpirun -n 4 --trace pi.json examples/pi.ts $intervals   (bcast, compute, allreduce)"
mkdir -p docs
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium (needs root)"
  apt-get install -y chromium >/dev/null || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
fi
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot=docs/trace-pi.png \
  --window-size=1400,700 "file://$work/pi-trace.html" 2>/dev/null
echo "docs/trace-pi.png written"
