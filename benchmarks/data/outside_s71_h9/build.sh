#!/bin/bash
# Issue 9, stop 71 (h9): build fresh outside seed 9213 and the fourth maker's fresh 9612,
# GAP-head models only, two heavy processes at most (one torch thread each). Unlike stop 70's
# slots (one process per model, scoring in turn), each slot is ONE process that builds many
# models (import and data once), and nothing is scored here: the fresh models are read only
# after the rule (rule71.md) is committed, by score.sh.
#   slot A: outside_zoo.py --seed 9213 --per-family 6 --names <list> --ca-retry --tries 3
#   slot B: fourth_zoo.py  --seed 9612 --per-family 6 --order <list> --tries 3 --stop-at CUT
# Slot A has no --stop-at, so it runs under `timeout` to the cut (a model in training at the
# cut is lost; truth.json is rewritten after each model). Where a slot's list ends before the
# cut it goes on to the spare seed (outside 9214 / fourth 9613) with the same list.
#   bash benchmarks/data/outside_s71_h9/build.sh HH:MM:SS
set -u
CUT=$1
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h971/run}
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
# stop 70's lists (20 outside, 18 fourth: two clean to one backdoored), then more of each
OUTSIDE="gap_cnn-cl00,gap_cls_relu-cl00,gap_relu-bd00,gap_relu-cl00,gap_cnn-cl01"
OUTSIDE+=",gap_cls_relu-cl01,gap_cnn-bd00,gap_relu-cl01,gap_cnn-cl02,gap_cls_relu-bd02"
OUTSIDE+=",gap_cls_relu-cl02,gap_relu-cl02,gap_cnn-bd02,gap_cnn-cl03,gap_cls_relu-cl03"
OUTSIDE+=",gap_relu-cl03,gap_cls_relu-bd00,gap_cnn-cl04,gap_cls_relu-cl04,gap_relu-cl04"
OUTSIDE+=",gap_cnn-bd01,gap_cnn-cl05,gap_cls_relu-cl05,gap_relu-bd01,gap_relu-cl05"
FOURTH=res_gap-cl00,dws_gap-cl00,res_gap-bd02,res_gap-cl01,dws_gap-cl01,dws_gap-bd01
FOURTH+=,res_gap-cl02,dws_gap-cl02,res_gap-bd01,res_gap-cl03,dws_gap-cl03,dws_gap-bd00
FOURTH+=,res_gap-cl04,dws_gap-cl04,res_gap-cl05,dws_gap-cl05,res_gap-bd00,dws_gap-bd02
FOURTH+=,res_gap-bd03,dws_gap-bd03
( while [ "$(left "$CUT")" -gt -1800 ]; do
      echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/load.log"; sleep 120
  done ) &
LOADPID=$!
( for s in 9213 9214; do
    [ "$(left "$CUT")" -gt 0 ] || break
    date -u +"start seed $s %T" >> "$RUN/build$s.log"
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$CUT")" "$PY" \
        benchmarks/outside_zoo.py --seed $s --out "$RUN/zoo-$s" --per-family 6 \
        --names "$OUTSIDE" --ca-retry --tries 3 >> "$RUN/build$s.log" 2>&1
    date -u +"stopped %T" >> "$RUN/build$s.log"
  done ) &
SLOT_A=$!
( for s in 9612 9613; do
    [ "$(left "$CUT")" -gt 0 ] || break
    date -u +"start seed $s %T" >> "$RUN/build$s.log"
    /usr/bin/time -f "%e s wall %U user %S sys" "$PY" benchmarks/fourth_zoo.py --seed $s \
        --out "$RUN/zoo-$s" --per-family 6 --order "$FOURTH" --tries 3 --stop-at "$CUT" \
        >> "$RUN/build$s.log" 2>&1
    date -u +"stopped %T" >> "$RUN/build$s.log"
  done ) &
SLOT_B=$!
wait "$SLOT_A" "$SLOT_B"
kill "$LOADPID" 2>/dev/null
