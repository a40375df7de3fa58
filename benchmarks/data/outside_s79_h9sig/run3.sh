#!/bin/bash
# Issue 9, stop 79 (h9sig): run2.sh's fourth-maker builds were refused (12:12: `--order` named
# three models where the truth file holds run.sh's eight, "holds another population"), so
# dws_gap-cl00 and res_gap-bd00, planned before the rule, were not built. This replaces run2.sh's
# slot A (about 12:24, after the rule, having looked at no reading): it waits for that slot's
# read in flight (WAIT_A), builds the two with run.sh's order (res_gap-bd00 first, by --skip;
# then dws_gap-cl00), reads zoo-9622, then takes run2.sh's shared queue into zoo-9223 as slot A
# did, and reads. The gate, read.sh, the rule and the floors are unchanged.
#   WAIT_A=PID bash benchmarks/data/outside_s79_h9sig/run3.sh BUILD_CUT SCORE_CUT
set -u
BUILD_CUT=$1; SCORE_CUT=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9sig79/run}
HERE=benchmarks/data/outside_s79_h9sig
FREQS=2,3,4,5,6,7,8,9,10,11,12
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
QUEUE="gap_cnn-bd14 gap_relu-cl00 gap_relu-bd08 gap_cls_relu-cl01 gap_cls_relu-bd02 res_gn-cl00"
QUEUE+=" gap_cls_relu-bd10 gap_leaky_bn-cl01 gap_cnn-bd06 gap_leaky_bn-bd01 gap_cnn-bd10"
QUEUE+=" gap_relu-cl01 gap_relu-bd04 gap_cnn-cl01 gap_relu-bd12 gap_cnn-bd01 gap_cls_relu-bd06"
QUEUE+=" gap_cnn-cl02 gap_relu-bd01 gap_cls_relu-cl02 gap_cls_relu-cl03 gap_cnn-cl03"
QUEUE+=" gap_cls_relu-cl04 res_gn-bd12 gap_leaky_bn-cl02"
ORDER_4="res_gap-cl00,dws_gap-cl00,res_gap-bd00,res_gap-cl01,dws_gap-cl01,dws_gap-bd01"
ORDER_4+=",res_gap-cl02,dws_gap-cl02"
backlog() {  # ZOO: read what ZOO holds not yet read, only past the gate
  [ -f "$RUN/GO" ] || return 0
  [ -f "$RUN/$1/truth.json" ] || return 0
  [ "$(left "$SCORE_CUT")" -gt 0 ] || return 0
  timeout "$(left "$SCORE_CUT")" bash "$HERE/read.sh" "$RUN" "$1" >> "$RUN/score_$1.log" 2>&1
}
await() {  # PID (none or 0: nothing to wait for)
  [ -n "$1" ] && [ "$1" != 0 ] || return 0
  while kill -0 "$1" 2>/dev/null; do sleep 10; done
}
fourth() {  # [--skip NAME]: the next of run.sh's order not built (nor skipped)
  [ "$(left "$BUILD_CUT")" -gt 0 ] || return 0
  /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
      "$PY" benchmarks/fourth_zoo.py --seed 9622 --out "$RUN/zoo-9622" --per-family 15 \
      --order "$ORDER_4" --tries 3 --max 1 "$@" >> "$RUN/build_zoo-9622.log" 2>&1
  backlog zoo-9622
}
date -u +"run3 start %T" | tee -a "$RUN/build_zoo-9223.log" >> "$RUN/build_zoo-9622.log"
await "${WAIT_A:-0}"
fourth --skip dws_gap-cl00
fourth
for n in $QUEUE; do
  [ "$(left "$BUILD_CUT")" -gt 0 ] || break
  mkdir "$RUN/claim/$n" 2>/dev/null || continue
  /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
      "$PY" benchmarks/outside_zoo.py --seed 9223 --out "$RUN/zoo-9223" --per-family 15 \
      --names "$n" --ca-retry --tries 3 --sig-freqs "$FREQS" >> "$RUN/build_zoo-9223.log" 2>&1
  backlog zoo-9223
done
date -u +"builder stopped %T" >> "$RUN/build_zoo-9223.log"
while [ ! -f "$RUN/GO" ] && [ "$(left "$SCORE_CUT")" -gt 0 ]; do sleep 20; done
backlog zoo-9223; backlog zoo-9622
date -u +"run3 stopped %T" >> "$RUN/build_zoo-9223.log"
