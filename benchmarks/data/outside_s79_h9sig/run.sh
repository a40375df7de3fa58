#!/bin/bash
# Issue 9, stop 79 (h9sig): build fresh outside seed 9223 and the fourth maker's fresh 9622,
# weighted to SIG on GAP heads (the worst family `sig`): the outside maker's 12 SIG backdoors
# on gap_cls_relu, gap_cnn and gap_relu (every one the plan holds on those kinds, r2 r6 r10 r14
# and r0 r4 r8 r12; period counts drawn from 2-12 by `--sig-freqs`, uniform; targets the maker's
# own draws, uniform over the classes: no --targets) and one spare on res_gn (r12), clean heads
# of every GAP kind (gap_cls_relu 4, gap_cnn 3, gap_relu 2, gap_leaky_bn 2, res_gn 1; the fourth
# maker's res_gap 3, dws_gap 3) and five other-family GAP backdoors (noise blend, corner patch,
# warp; the fourth maker's two), interleaved so a cut population stays balanced, the period 8-11
# ones first. Stop 78's run.sh shape: two slots, one torch thread a process; slot A builds
# zoo-9223, slot B the fourth maker's zoo-9622 and then a second list of 9223's models into its
# own folder zoo-9223b (the same seed, split and clean.npz; two makers never write one truth
# file). A slot reads (read.sh, committed with the rule) only while the gate file $RUN/GO exists,
# made by hand after the rule's commit. No build starts after BUILD_CUT; all stops at SCORE_CUT.
#   bash benchmarks/data/outside_s79_h9sig/run.sh BUILD_CUT SCORE_CUT
set -u
BUILD_CUT=$1; SCORE_CUT=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9sig79/run}
HERE=benchmarks/data/outside_s79_h9sig
FREQS=2,3,4,5,6,7,8,9,10,11,12
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
LIST_A="gap_cls_relu-bd14 gap_cls_relu-cl00 gap_cnn-bd02 gap_cnn-cl00 gap_relu-bd00"
LIST_A+=" gap_leaky_bn-cl00 gap_cnn-bd14 gap_relu-cl00 gap_relu-bd08 gap_cls_relu-cl01"
LIST_A+=" gap_cls_relu-bd02 res_gn-cl00 gap_cnn-bd06 gap_leaky_bn-bd01 gap_relu-bd04"
LIST_A+=" gap_cnn-cl01 gap_cls_relu-bd06 gap_cls_relu-cl02"
LIST_B="gap_cls_relu-bd10 gap_leaky_bn-cl01 gap_cnn-bd10 gap_relu-cl01 gap_relu-bd12"
LIST_B+=" gap_cnn-bd01 gap_cnn-cl02 gap_relu-bd01 gap_cls_relu-cl03 res_gn-bd12"
FOURTH="res_gap-cl00 dws_gap-cl00 res_gap-bd00 res_gap-cl01 dws_gap-cl01 dws_gap-bd01"
FOURTH+=" res_gap-cl02 dws_gap-cl02"
ORDER_4=$(echo $FOURTH | tr ' ' ',')
backlog() {  # ZOO: read what ZOO holds not yet read, only past the gate
  [ -f "$RUN/GO" ] || return 0
  [ -f "$RUN/$1/truth.json" ] || return 0
  [ "$(left "$SCORE_CUT")" -gt 0 ] || return 0
  timeout "$(left "$SCORE_CUT")" bash "$HERE/read.sh" "$RUN" "$1" >> "$RUN/score_$1.log" 2>&1
}
drain() {  # ZOO: wait for the gate, then read the backlog
  while [ ! -f "$RUN/GO" ] && [ "$(left "$SCORE_CUT")" -gt 0 ]; do sleep 20; done
  backlog "$1"
}
outside() {  # ZOO NAMES
  for n in $2; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
        "$PY" benchmarks/outside_zoo.py --seed 9223 --out "$RUN/$1" --per-family 15 \
        --names "$n" --ca-retry --tries 3 --sig-freqs "$FREQS" >> "$RUN/build_$1.log" 2>&1
    backlog "$1"
  done
}
date -u +"start %T" | tee -a "$RUN/build_zoo-9223.log" >> "$RUN/build_zoo-9622.log"
( while [ "$(left "$SCORE_CUT")" -gt 0 ]; do
      echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/load.log"; sleep 120
  done ) &
LOADPID=$!
( outside zoo-9223 "$LIST_A"
  date -u +"builder stopped %T" >> "$RUN/build_zoo-9223.log"
  drain zoo-9223 ) &
SLOT_A=$!
( for _ in $FOURTH; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
        "$PY" benchmarks/fourth_zoo.py --seed 9622 --out "$RUN/zoo-9622" --per-family 15 \
        --order "$ORDER_4" --tries 3 --max 1 >> "$RUN/build_zoo-9622.log" 2>&1
    backlog zoo-9622
  done
  date -u +"builder stopped %T" >> "$RUN/build_zoo-9622.log"
  outside zoo-9223b "$LIST_B"
  date -u +"builder stopped %T" >> "$RUN/build_zoo-9223b.log"
  drain zoo-9622; drain zoo-9223b ) &
SLOT_B=$!
wait "$SLOT_A" "$SLOT_B"
kill "$LOADPID" 2>/dev/null
date -u +"all stopped %T" | tee -a "$RUN/build_zoo-9223.log" >> "$RUN/build_zoo-9622.log"
