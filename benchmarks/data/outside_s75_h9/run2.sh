#!/bin/bash
# Issue 9, stop 75 (h9): the fourth maker's slot of run.sh restarted with its list reordered,
# for time only (at about 01:52 UTC, load 17-19, before any rule or reading): at this load a
# model cost about 4-5 minutes of wall, so run.sh's order would have reached the floor of 12
# clean `res_gap` / `dws_gap` heads only after its 18th build, near the build cut. The same seed
# and names (each model's draws come from the seed and its name; fourth_zoo.py refuses another
# order in the same folder, so the rest goes to zoo-9617b and post.sh joins the two); clean
# heads first, with two whole-image backdoors aimed at class 0 among them — the class clean
# BatchNorm GAP heads send blends to, where the blend-sink term (stop 75's candidate) would
# lower a backdoor if it could — and two aimed at 8; the rest of run.sh's list after. The
# slot's in-flight build (PID given: dws_gap-bd00 in zoo-9617) is let finish first and
# zoo-9617's unread models are read (past the gate) before the new list. Nothing was read.
#   bash benchmarks/data/outside_s75_h9/run2.sh BUILD_CUT SCORE_CUT WAIT_PID
set -u
BUILD_CUT=$1; SCORE_CUT=$2; WAIT_PID=$3
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h975/run}
TOOL="$(dirname "$PY")/trojanscope"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
# name:C = aimed at class C; a bare -bd name keeps the maker's drawn target
# res_gap-bd{r}: r%4 == 1 lowpass, 2 watermark; dws_gap-bd{r}: r%4 == 0 lowpass, 1 watermark
FOURTH="res_gap-cl01 dws_gap-cl00 res_gap-cl02 dws_gap-cl01 res_gap-bd01:0 res_gap-cl03"
FOURTH+=" dws_gap-cl02 res_gap-cl04 dws_gap-bd01:0 dws_gap-cl03 res_gap-cl05 dws_gap-cl04"
FOURTH+=" res_gap-bd02:8 res_gap-cl06 dws_gap-cl05 dws_gap-bd04:8 res_gap-cl07 dws_gap-cl06"
FOURTH+=" res_gap-bd05 res_gap-cl08 dws_gap-cl07 dws_gap-bd05 res_gap-cl09 dws_gap-cl08"
FOURTH+=" res_gap-bd06 res_gap-cl10"
names() { for n in $1; do printf '%s,' "${n%:*}"; done | sed 's/,$//'; }
aims() { for n in $1; do [[ $n == *:* ]] && printf '%s=%s,' "${n%:*}" "${n#*:}"; done | sed 's/,$//'; }
AIM_4=$(aims "$FOURTH"); ORDER_4=$(names "$FOURTH")
kept() { "$PY" -c "import json,sys; print(sum(m.get('kept', True) for m in json.load(open(sys.argv[1]))['models']))" "$RUN/$1/truth.json" 2>/dev/null || echo 0; }
read_n() { [ -f "$RUN/detect$1.jsonl" ] && wc -l < "$RUN/detect$1.jsonl" || echo 0; }
backlog() {  # ZOO S: as run.sh
  [ -f "$RUN/GO" ] || return 0
  [ -f "$RUN/$1/truth.json" ] || return 0
  for _ in $(seq 40); do
    [ "$(left "$SCORE_CUT")" -gt 0 ] || return 0
    before=$(read_n "$2")
    [ "$(kept "$1")" -gt "$before" ] || return 0
    timeout "$(left "$SCORE_CUT")" "$PY" benchmarks/outside_zoo_score.py "$RUN/$1" \
        --out "$RUN/detect$2.jsonl" --trojanscope "$TOOL" --detect-option=-p \
        --detect-option=blend=true --max 1 >> "$RUN/score$2.log" 2>&1
    [ "$(read_n "$2")" -gt "$before" ] || return 0
  done
}
while kill -0 "$WAIT_PID" 2>/dev/null; do sleep 10; done
date -u +"run2 start %T" >> "$RUN/build9617.log"
for _ in $FOURTH; do
  [ "$(left "$BUILD_CUT")" -gt 0 ] || break
  backlog zoo-9617 9617
  /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
      "$PY" benchmarks/fourth_zoo.py --seed 9617 --out "$RUN/zoo-9617b" --per-family 15 \
      --order "$ORDER_4" --targets "$AIM_4" --tries 3 --max 1 >> "$RUN/build9617.log" 2>&1
  backlog zoo-9617b 9617b
done
date -u +"builder stopped %T" >> "$RUN/build9617.log"
while [ ! -f "$RUN/GO" ] && [ "$(left "$SCORE_CUT")" -gt 0 ]; do sleep 20; done
backlog zoo-9617 9617
backlog zoo-9617b 9617b
date -u +"run2 all stopped %T" >> "$RUN/build9617.log"
