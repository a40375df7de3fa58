#!/bin/bash
# Issue 9, stop 82 (h9sig): build the fresh populations, one worker per maker, each into its own
# folder, builds only (nothing is loaded or read here: slot.sh reads, after the rule's commit).
# No build starts after BUILD_CUT.
#   outside: seed 9226 with stop 80-81's SIG-heavy recipe (--sig-freqs 2,...,12, targets and
#            periods the maker's own draws); the queue puts the two families stop 81 left short
#            first (gap_cls_relu's SIG models, gap_leaky_bn's clean heads), interleaved with the
#            other GAP kinds' SIG models and clean heads (gap_cnn's clean heads early: the
#            candidate lowers that kind's share bar too), so a cut population stays balanced;
#            (the queue was reordered at 20:06, before any item was read: gap_cnn's clean heads
#            moved up once the development named the candidate; gap_cls_relu-bd02 was built and
#            gap_leaky_bn-cl00 in flight, both in the new queue's first places)
#   fourth:  the fourth maker's seed 9624, its two GAP-head families (res_gap, dws_gap) in its
#            own plan order (clean and backdoored alternating, each trigger family in turn).
#   bash benchmarks/data/outside_s82_h9sig/build.sh BUILD_CUT outside|fourth
set -u
BUILD_CUT=$1; MAKER=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9sig82/run}
FREQS=2,3,4,5,6,7,8,9,10,11,12
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
OUTSIDE="gap_cls_relu-bd02 gap_leaky_bn-cl00 gap_cls_relu-bd06 gap_cnn-cl00 gap_cls_relu-cl00"
OUTSIDE+=" gap_leaky_bn-bd03 gap_cls_relu-bd10 gap_leaky_bn-cl01 gap_cnn-bd02 gap_cls_relu-cl01"
OUTSIDE+=" gap_relu-bd00 gap_cnn-cl01 gap_cls_relu-bd14 gap_leaky_bn-cl02 res_gn-bd00 gap_cnn-bd06"
OUTSIDE+=" gap_cls_relu-cl02 gap_leaky_bn-bd07 gap_relu-cl00 res_gn-cl00 gap_cnn-cl02"
OUTSIDE+=" gap_leaky_bn-cl03 gap_relu-bd04 res_gn-bd04 gap_cnn-bd10 gap_leaky_bn-bd11"
OUTSIDE+=" gap_cls_relu-cl03 gap_cnn-cl03 gap_relu-bd08 res_gn-bd08 gap_leaky_bn-cl04"
FOURTH="res_gap-cl00,dws_gap-bd00,res_gap-bd00,dws_gap-cl00,res_gap-bd01,dws_gap-bd01,res_gap-cl01"
FOURTH+=",dws_gap-cl01,res_gap-bd02,dws_gap-bd02,res_gap-cl02,dws_gap-cl02,res_gap-bd03"
FOURTH+=",dws_gap-bd03,res_gap-cl03,dws_gap-cl03"
if [ "$MAKER" = fourth ]; then
  ZOO=zoo-9624; LOG="$RUN/build_$ZOO.log"
  date -u +"$ZOO start %T" >> "$LOG"
  for n in ${FOURTH//,/ }; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" nice -n 5 \
        "$PY" benchmarks/fourth_zoo.py --seed 9624 --out "$RUN/$ZOO" --per-family 15 \
        --order "$FOURTH" --tries 3 --max 1 >> "$LOG" 2>&1
    echo "$(date -u +%T) $n done" >> "$LOG"
  done
else
  ZOO=zoo-9226; LOG="$RUN/build_$ZOO.log"
  date -u +"$ZOO start %T" >> "$LOG"
  for n in $OUTSIDE; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" nice -n 5 \
        "$PY" benchmarks/outside_zoo.py --seed 9226 --out "$RUN/$ZOO" --per-family 15 \
        --names "$n" --ca-retry --tries 3 --sig-freqs "$FREQS" >> "$LOG" 2>&1
    echo "$(date -u +%T) $n done" >> "$LOG"
  done
fi
date -u +"$ZOO builder stopped %T" >> "$LOG"
