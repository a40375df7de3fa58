#!/bin/bash
# Issue 9, stop 79 (h9sig): at 12:49 (after the rule; no reading looked at) the builds and reads
# stood at 16 built and 12 read with 15 planned builds left, which run2.sh / run3.sh's BUILD_CUT
# 13:05 would have cut below the rule's floors. This replaces both slots with the same work and a
# later BUILD_CUT (the reads still stop at SCORE_CUT 13:45; the rule and its floors are
# unchanged): slot A (ZOO zoo-9223) first waits for its read in flight, builds the fourth maker's
# two models run2.sh could not (res_gap-bd00, dws_gap-cl00), then the shared queue; slot B (ZOO
# zoo-9223b) waits for its process in flight, then the shared queue, reading zoo-9622 too. The
# spare gap_leaky_bn-cl02 (claimed out at 12:17) is put back at the queue's end after
# gap_leaky_bn-cl01 was dropped (CA), built only if the cut allows.
#   WAIT=PID bash benchmarks/data/outside_s79_h9sig/run4.sh BUILD_CUT SCORE_CUT ZOO [FOURTH]
set -u
BUILD_CUT=$1; SCORE_CUT=$2; ZOO=$3; FOURTH=${4:-}
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
date -u +"run4 $ZOO start %T" >> "$RUN/build_$ZOO.log"
await "${WAIT:-0}"
if [ -n "$FOURTH" ]; then fourth --skip dws_gap-cl00; fourth; fi
for n in $QUEUE; do
  [ "$(left "$BUILD_CUT")" -gt 0 ] || break
  mkdir "$RUN/claim/$n" 2>/dev/null || continue
  /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
      "$PY" benchmarks/outside_zoo.py --seed 9223 --out "$RUN/$ZOO" --per-family 15 \
      --names "$n" --ca-retry --tries 3 --sig-freqs "$FREQS" >> "$RUN/build_$ZOO.log" 2>&1
  backlog "$ZOO"; backlog zoo-9622
done
date -u +"builder stopped %T" >> "$RUN/build_$ZOO.log"
backlog "$ZOO"; backlog zoo-9622
date -u +"run4 $ZOO stopped %T" >> "$RUN/build_$ZOO.log"
