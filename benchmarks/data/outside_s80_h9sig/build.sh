#!/bin/bash
# Issue 9, stop 80 (h9sig): build fresh outside seed 9224 (and, last, two of the fourth maker's
# 9623), weighted to SIG on the outside maker's GAP kinds that hold no SIG bar today
# (`res_gn`, `gap_leaky_bn`: every SIG model the plan holds on them, period counts drawn by
# `--sig-freqs 2,...,12`, targets the maker's own draws), clean heads of both kinds and their
# other-family backdoors, interleaved so a cut population stays balanced; then one SIG model on
# each barred kind and the fourth maker's two clean heads. One worker builds into ZOO (each
# worker its own folder: two makers never write one truth file); each queued model is claimed
# by one worker (mkdir $RUN/claim/NAME). Builds only: nothing is read here (read.sh, after the
# rule's commit). No build starts after BUILD_CUT.
#   bash benchmarks/data/outside_s80_h9sig/build.sh BUILD_CUT ZOO   (ZOO: zoo-9224 or zoo-9224b)
set -u
BUILD_CUT=$1; ZOO=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9sig80/run}
FREQS=2,3,4,5,6,7,8,9,10,11,12
mkdir -p "$RUN/claim"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
QUEUE="res_gn-bd00 gap_leaky_bn-cl00 gap_leaky_bn-bd03 res_gn-cl00 res_gn-bd04"
QUEUE+=" gap_leaky_bn-cl01 gap_leaky_bn-bd07 res_gn-cl01 res_gn-bd08 gap_leaky_bn-cl02"
QUEUE+=" gap_leaky_bn-bd11 res_gn-cl02 res_gn-bd12 gap_leaky_bn-bd01 res_gn-bd01"
QUEUE+=" gap_leaky_bn-cl03 res_gn-cl03 gap_leaky_bn-bd02 res_gn-bd02 gap_leaky_bn-cl04"
QUEUE+=" res_gn-cl04 gap_cls_relu-bd02 gap_cnn-bd06 gap_relu-bd04 gap_leaky_bn-cl05 res_gn-cl05"
QUEUE+=" fourth:res_gap-cl00 fourth:dws_gap-cl00"
date -u +"$ZOO start %T" >> "$RUN/build_$ZOO.log"
for n in $QUEUE; do
  [ "$(left "$BUILD_CUT")" -gt 0 ] || break
  mkdir "$RUN/claim/$n" 2>/dev/null || continue
  if [ "${n%%:*}" = fourth ]; then
    /usr/bin/time -f "%e s wall %U user %S sys" nice -n 5 \
        "$PY" benchmarks/fourth_zoo.py --seed 9623 --out "$RUN/zoo-9623-$ZOO" --per-family 15 \
        --order "${n#fourth:}" --tries 3 --max 1 >> "$RUN/build_zoo-9623-$ZOO.log" 2>&1
  else
    /usr/bin/time -f "%e s wall %U user %S sys" nice -n 5 \
        "$PY" benchmarks/outside_zoo.py --seed 9224 --out "$RUN/$ZOO" --per-family 15 \
        --names "$n" --ca-retry --tries 3 --sig-freqs "$FREQS" >> "$RUN/build_$ZOO.log" 2>&1
  fi
  echo "$(date -u +%T) $n done" >> "$RUN/build_$ZOO.log"
done
date -u +"$ZOO builder stopped %T" >> "$RUN/build_$ZOO.log"
