#!/bin/bash
# Issue 9, stop 62 (h9m): fresh seed 9603 of the fourth maker, GAP-head families first, built
# beside the user's detect on each model (stop 60's run.sh: one builder, one scorer in build
# order, then a second from the last model built back; two heavy processes at any time), a load
# log every 2 minutes and the builder's lines stamped with the UTC time they appeared.
#   bash benchmarks/data/fourth_s62/run.sh
set -u
cd "$(dirname "$0")/../../.."
export RUN=${RUN:-/tmp/h9ms62/run}
mkdir -p "$RUN"
( while [ "$(date -u +%H%M)" \< 1706 ]; do
      echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/load.log"; sleep 120
  done ) &
S_LEFT=$(( $(date -u -d 17:06 +%s) - $(date -u +%s) ))
touch "$RUN/build9603.log"
( timeout "$S_LEFT" tail -n +1 -F "$RUN/build9603.log" 2>/dev/null \
    | while IFS= read -r l; do echo "$(date -u +%T) $l"; done > "$RUN/build9603-stamped.log" ) &
ORDER=res_gap-cl00,dws_gap-bd00,res_gap-bd00,dws_gap-cl00,res_gap-bd01,dws_gap-cl01
ORDER+=,res_gap-cl01,dws_gap-bd01,res_gap-bd02,dws_gap-cl02,res_gap-cl02,dws_gap-bd02
ORDER+=,allconv-bd00,allconv-cl00,wide_leaky-cl00,wide_leaky-bd00
BUILD_ARGS="--order $ORDER" bash benchmarks/data/fourth_s60/run.sh 9603 3 16:48:00 17:05:00
