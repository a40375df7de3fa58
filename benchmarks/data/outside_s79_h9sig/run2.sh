#!/bin/bash
# Issue 9, stop 79 (h9sig): run.sh's two slots restarted (about 12:08 UTC, before the rule's
# commit and before any fresh model was read) with one shared queue, so that the builds end in
# time for the reads: slot B had been paused since 11:48 by my development run (at most two
# heavy processes), run.sh's slot B list (six fourth-maker models, then ten outside ones) could
# not end before the reads were due. The models are run.sh's plan, cut and topped up: the fourth
# maker builds only res_gap-cl00 (in flight), dws_gap-cl00 and res_gap-bd00 (its other five
# dropped from the plan: res_gap and dws_gap clean heads cost 20-47 s CPU each), and three more
# clean outside heads (gap_cnn-cl03, gap_cls_relu-cl04, gap_leaky_bn-cl02) keep the clean floor;
# the spare SIG model (res_gn-bd12) and one clean one come last. Each queued outside model is
# claimed by one slot (mkdir $RUN/claim/NAME): slot A builds into zoo-9223, slot B into zoo-9223b
# (one maker a truth file). Slot A first waits for run.sh's model in flight (WAIT_A), slot B for
# my development run (WAIT_DEV), then resumes and waits for the fourth maker's model in flight
# (WAIT_B). The gate, read.sh and the rule are unchanged: a slot reads only past $RUN/GO.
#   WAIT_A=PID WAIT_B=PID WAIT_DEV=PID bash benchmarks/data/outside_s79_h9sig/run2.sh BUILD_CUT SCORE_CUT
set -u
BUILD_CUT=$1; SCORE_CUT=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9sig79/run}
HERE=benchmarks/data/outside_s79_h9sig
FREQS=2,3,4,5,6,7,8,9,10,11,12
mkdir -p "$RUN/claim"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
QUEUE="gap_cnn-bd14 gap_relu-cl00 gap_relu-bd08 gap_cls_relu-cl01 gap_cls_relu-bd02 res_gn-cl00"
QUEUE+=" gap_cls_relu-bd10 gap_leaky_bn-cl01 gap_cnn-bd06 gap_leaky_bn-bd01 gap_cnn-bd10"
QUEUE+=" gap_relu-cl01 gap_relu-bd04 gap_cnn-cl01 gap_relu-bd12 gap_cnn-bd01 gap_cls_relu-bd06"
QUEUE+=" gap_cnn-cl02 gap_relu-bd01 gap_cls_relu-cl02 gap_cls_relu-cl03 gap_cnn-cl03"
QUEUE+=" gap_cls_relu-cl04 res_gn-bd12 gap_leaky_bn-cl02"
ORDER_4="res_gap-cl00,dws_gap-cl00,res_gap-bd00"
backlog() {  # ZOO: read what ZOO holds not yet read, only past the gate
  [ -f "$RUN/GO" ] || return 0
  [ -f "$RUN/$1/truth.json" ] || return 0
  [ "$(left "$SCORE_CUT")" -gt 0 ] || return 0
  timeout "$(left "$SCORE_CUT")" bash "$HERE/read.sh" "$RUN" "$1" >> "$RUN/score_$1.log" 2>&1
}
drain() {  # ZOO...: wait for the gate, then read the backlogs
  while [ ! -f "$RUN/GO" ] && [ "$(left "$SCORE_CUT")" -gt 0 ]; do sleep 20; done
  for z in "$@"; do backlog "$z"; done
}
await() {  # PID (none or 0: nothing to wait for)
  [ -n "$1" ] && [ "$1" != 0 ] || return 0
  while kill -0 "$1" 2>/dev/null; do sleep 10; done
}
worker() {  # ZOO [OTHER ZOO to read too]
  for n in $QUEUE; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    mkdir "$RUN/claim/$n" 2>/dev/null || continue
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
        "$PY" benchmarks/outside_zoo.py --seed 9223 --out "$RUN/$1" --per-family 15 \
        --names "$n" --ca-retry --tries 3 --sig-freqs "$FREQS" >> "$RUN/build_$1.log" 2>&1
    for z in "$@"; do backlog "$z"; done
  done
  date -u +"builder stopped %T" >> "$RUN/build_$1.log"
}
date -u +"run2 start %T" | tee -a "$RUN/build_zoo-9223.log" >> "$RUN/build_zoo-9622.log"
( while [ "$(left "$SCORE_CUT")" -gt 0 ]; do
      echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/load.log"; sleep 120
  done ) &
LOADPID=$!
( await "${WAIT_A:-0}"
  worker zoo-9223
  drain zoo-9223 ) &
SLOT_A=$!
( await "${WAIT_DEV:-0}"
  [ -n "${WAIT_B:-}" ] && kill -CONT "$WAIT_B" 2>/dev/null \
      && echo "$(date -u +%T) SIGCONT fourth maker pid $WAIT_B (the development run ended)" \
      >> "$RUN/pause.log"
  await "${WAIT_B:-0}"
  for _ in 1 2; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
        "$PY" benchmarks/fourth_zoo.py --seed 9622 --out "$RUN/zoo-9622" --per-family 15 \
        --order "$ORDER_4" --tries 3 --max 1 >> "$RUN/build_zoo-9622.log" 2>&1
    backlog zoo-9622
  done
  date -u +"builder stopped %T" >> "$RUN/build_zoo-9622.log"
  worker zoo-9223b zoo-9622
  drain zoo-9622 zoo-9223b ) &
SLOT_B=$!
wait "$SLOT_A" "$SLOT_B"
kill "$LOADPID" 2>/dev/null
date -u +"all stopped %T" | tee -a "$RUN/build_zoo-9223.log" >> "$RUN/build_zoo-9622.log"
