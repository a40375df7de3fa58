#!/bin/bash
# Issue 9, stop 76 (h9): run2.sh's fourth-maker slot, again in its own folder. The fourth maker
# refuses a folder written with another --order or --targets ("holds another population"), so
# run2.sh's slot B built nothing (04:47-04:50, seven 1.5-s refusals); this runs its list in
# zoo-9618b (the same seed 9618 and the same per-model draws: a model's draws come from the
# seed and its name alone), read into detect9618b.jsonl; post.sh joins the two folders as one
# population 9618, as stop 75 joined zoo-9617 and zoo-9617b. No model of zoo-9618 is in the list.
#   bash benchmarks/data/outside_s76_h9/run3.sh BUILD_CUT SCORE_CUT
set -u
BUILD_CUT=$1; SCORE_CUT=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h976/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
# name:C = aimed at class C; a bare -bd name keeps the maker's drawn target (run.sh's notes)
OUTSIDE="gap_relu-bd03 gap_cnn-cl00 gap_relu-cl01 gap_cls_relu-cl01 gap_relu-bd02:0 gap_relu-cl02"
OUTSIDE+=" gap_leaky_bn-cl01 gap_relu-bd00 gap_cls_relu-bd02:0 gap_cnn-bd01 gap_relu-cl03"
OUTSIDE+=" gap_leaky_bn-bd03:0 gap_cnn-cl01 gap_cls_relu-bd01:8 gap_cnn-bd00"
FOURTH="dws_gap-cl01 res_gap-cl02 dws_gap-cl02 res_gap-bd03 res_gap-cl03 dws_gap-cl03"
FOURTH+=" res_gap-bd00:0 dws_gap-bd04:0 res_gap-cl04 dws_gap-cl04 res_gap-bd05:8 res_gap-cl05"
FOURTH+=" dws_gap-cl05 res_gap-bd02:8 dws_gap-bd01:0"
names() { for n in $1; do printf '%s,' "${n%:*}"; done | sed 's/,$//'; }
aims() { for n in $1; do [[ $n == *:* ]] && printf '%s=%s,' "${n%:*}" "${n#*:}"; done | sed 's/,$//'; }
AIM_OUT="gap_leaky_bn-bd01=8,$(aims "$OUTSIDE")"; AIM_4=$(aims "$FOURTH"); ORDER_4=$(names "$FOURTH")
kept() { "$PY" -c "import json,sys; print(sum(m.get('kept', True) for m in json.load(open(sys.argv[1]))['models']))" "$RUN/$1/truth.json" 2>/dev/null || echo 0; }
read_n() { [ -f "$RUN/detect$1.jsonl" ] && wc -l < "$RUN/detect$1.jsonl" || echo 0; }
backlog() {  # ZOO S: read every kept model of ZOO not yet in its runs file, only past the gate
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
drain() {  # ZOO S: wait for the gate, then read the backlog
  while [ ! -f "$RUN/GO" ] && [ "$(left "$SCORE_CUT")" -gt 0 ]; do sleep 20; done
  backlog "$1" "$2"
}
date -u +"run3 start %T" >> "$RUN/build9618.log"
( while [ -n "${WAIT_B:-}" ] && kill -0 "$WAIT_B" 2>/dev/null; do sleep 10; done
  backlog zoo-9618b 9618b
  for _ in $FOURTH; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
        "$PY" benchmarks/fourth_zoo.py --seed 9618 --out "$RUN/zoo-9618b" --per-family 15 \
        --order "$ORDER_4" --targets "$AIM_4" --tries 3 --max 1 >> "$RUN/build9618.log" 2>&1
    backlog zoo-9618b 9618b
  done
  date -u +"builder stopped %T" >> "$RUN/build9618.log"
  drain zoo-9618b 9618b ) &
SLOT_B=$!
wait "$SLOT_B"
date -u +"run3 stopped %T" >> "$RUN/build9618.log"
