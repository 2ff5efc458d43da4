#!/bin/sh
# Medians over RUNS launcher runs of bench/encryption.ts, CURVE on and off; PIN="taskset -c 0"
# pins the whole job (launcher and ranks) to one core. Needs `npm run build` first.
cd "$(dirname "$0")/.." || exit 1
RUNS=${RUNS:-5}
for mode in on off; do
  for np in 2 4; do
    i=0
    while [ "$i" -lt "$RUNS" ]; do
      TSMPI_ENCRYPTION=$mode $PIN node dist/launcher/cli.js -n "$np" bench/encryption.ts | sed "s/^/$mode np=$np /"
      i=$((i + 1))
    done
  done
done
