#!/bin/bash
# Issue 9, stop 78 (h9sig): at 10:48 UTC, after the rule's commit and the gate, having looked at no
# reading beyond the slots' counts: the load fell (15 -> 6) and the reads caught up, but the clean
# GAP heads built and read or in flight stood at 13 (one fourth-maker clean head dropped at CA
# 0.907, and run3.sh had stopped slot B's building) against the rule's floor of 14. This builds
# two more of the planned clean heads past run2.sh's BUILD_CUT (10:50) and reads them once with
# read.sh: slot B, once run3.sh is done (WAIT_B), the fourth maker's next planned model
# (dws_gap-cl01); slot A, once run2.sh is done (WAIT_A), list B's next (gap_cls_relu-cl03). The
# models are the ones planned before the rule; the rule, its floors and read.sh are unchanged.
# No build starts after BUILD_CUT; all stops at SCORE_CUT.
#   WAIT_A=PID WAIT_B=PID bash benchmarks/data/outside_s78_h9sig/run4.sh BUILD_CUT SCORE_CUT
set -u
BUILD_CUT=$1; SCORE_CUT=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9sig78/run}
HERE=benchmarks/data/outside_s78_h9sig
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
FOURTH="res_gap-cl00 dws_gap-cl00 res_gap-bd00 res_gap-cl01 dws_gap-cl01 dws_gap-bd01"
FOURTH+=" res_gap-cl02 dws_gap-cl02"
ORDER_4=$(echo $FOURTH | tr ' ' ',')
date -u +"run4 start %T" | tee -a "$RUN/build_zoo-9222b.log" >> "$RUN/build_zoo-9621.log"
( while [ -n "${WAIT_B:-}" ] && kill -0 "$WAIT_B" 2>/dev/null; do sleep 5; done
  if [ "$(left "$BUILD_CUT")" -gt 0 ]; then
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
        "$PY" benchmarks/fourth_zoo.py --seed 9621 --out "$RUN/zoo-9621" --per-family 15 \
        --order "$ORDER_4" --tries 3 --max 1 >> "$RUN/build_zoo-9621.log" 2>&1
  fi
  [ "$(left "$SCORE_CUT")" -gt 0 ] && timeout "$(left "$SCORE_CUT")" bash "$HERE/read.sh" \
      "$RUN" zoo-9621 >> "$RUN/score_zoo-9621.log" 2>&1 ) &
B=$!
( while [ -n "${WAIT_A:-}" ] && kill -0 "$WAIT_A" 2>/dev/null; do sleep 5; done
  if [ "$(left "$BUILD_CUT")" -gt 0 ]; then
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
        "$PY" benchmarks/outside_zoo.py --seed 9222 --out "$RUN/zoo-9222b" --per-family 15 \
        --names gap_cls_relu-cl03 --ca-retry --tries 3 --sig-freqs 2,3,4,5,6,7,8,9,10,11 \
        >> "$RUN/build_zoo-9222b.log" 2>&1
  fi
  [ "$(left "$SCORE_CUT")" -gt 0 ] && timeout "$(left "$SCORE_CUT")" bash "$HERE/read.sh" \
      "$RUN" zoo-9222b >> "$RUN/score_zoo-9222b.log" 2>&1 ) &
A=$!
wait "$A" "$B"
date -u +"run4 stopped %T" | tee -a "$RUN/build_zoo-9222b.log" >> "$RUN/build_zoo-9621.log"
