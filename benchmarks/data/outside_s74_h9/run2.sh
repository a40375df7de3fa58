#!/bin/bash
# Issue 9, stop 74 (h9): the fourth maker's slot of run.sh restarted with its list reordered,
# for time only (at 23:31 UTC, load 13-14): at nice 5 a model cost about 350 s of wall (build +
# read), so run.sh's order would have reached the floor of 12 clean `res_gap` heads only near
# 00:50, past the build cut. The same seed, names and draws (each model's draws come from the
# seed and its name; fourth_zoo.py refuses another order in the same folder, so the rest goes
# to zoo-9616b and post.sh joins the two); the clean `res_gap` heads first, one backdoor aimed
# at 8 (`dws_gap-bd04`, lowpass) and one clean `dws_gap` among them, the rest of run.sh's list
# after. The slot's in-flight build (PID given: res_gap-cl03 in zoo-9616) is let finish first
# and zoo-9616's unread models are read before the new list. nice 0 (so are run.sh's
# processes from 23:31, reniced every 15 s). Results seen before: the score log's three
# lines (res_gap-cl00 0.032, dws_gap-bd00 1.000, res_gap-cl01 0.032); nothing decided by them.
#   bash benchmarks/data/outside_s74_h9/run2.sh BUILD_CUT SCORE_CUT WAIT_PID
set -u
BUILD_CUT=$1; SCORE_CUT=$2; WAIT_PID=$3
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h974/run}
TOOL="$(dirname "$PY")/trojanscope"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
FOURTH="res_gap-cl04 res_gap-cl05 res_gap-cl06 dws_gap-bd04:8 res_gap-cl07"
FOURTH+=" res_gap-cl08 res_gap-cl09 dws_gap-cl00 res_gap-cl10 res_gap-cl11 res_gap-cl12"
FOURTH+=" dws_gap-bd05:8 res_gap-cl13 res_gap-bd01:8 res_gap-cl14 dws_gap-bd08:8"
FOURTH+=" res_gap-bd02:8 dws_gap-cl01 dws_gap-bd02"
names() { for n in $1; do printf '%s,' "${n%:8}"; done | sed 's/,$//'; }
aims() { for n in $1; do [[ $n == *:8 ]] && printf '%s=8,' "${n%:8}"; done | sed 's/,$//'; }
AIM_4=$(aims "$FOURTH"); ORDER_4=$(names "$FOURTH")
score_one() {  # as run.sh
  [ -f "$RUN/GO" ] || return 0
  [ -f "$RUN/$1/truth.json" ] || return 0
  [ "$(left "$SCORE_CUT")" -gt 0 ] || return 0
  timeout "$(left "$SCORE_CUT")" "$PY" benchmarks/outside_zoo_score.py "$RUN/$1" \
      --out "$RUN/detect$2.jsonl" --trojanscope "$TOOL" --detect-option=-p \
      --detect-option=blend=true --max 1 >> "$RUN/score$2.log" 2>&1
}
while kill -0 "$WAIT_PID" 2>/dev/null; do sleep 5; done
date -u +"run2.sh's slot from %T (zoo-9616b, order: $ORDER_4)" >> "$RUN/build9616.log"
for _ in 1 2 3; do score_one zoo-9616 9616; done
for _ in $FOURTH; do
  [ "$(left "$BUILD_CUT")" -gt 0 ] || break
  /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
      "$PY" benchmarks/fourth_zoo.py --seed 9616 --out "$RUN/zoo-9616b" --per-family 15 \
      --order "$ORDER_4" --targets "$AIM_4" --tries 3 --max 1 >> "$RUN/build9616.log" 2>&1
  score_one zoo-9616b 9616b
done
date -u +"builder stopped %T" >> "$RUN/build9616.log"
for _ in $(seq 40); do score_one zoo-9616 9616; score_one zoo-9616b 9616b; done
date -u +"all stopped %T" >> "$RUN/build9616.log"
