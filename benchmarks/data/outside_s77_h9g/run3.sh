#!/bin/bash
# Issue 9, stop 77 (h9g): run2.sh's outside slot (A) restarted at 07:47:27 UTC, after the
# rule's commit (daeb5da4) and the gate (07:45:01), before any reading was looked at: past the
# gate slot A reads its whole backlog (12 models) before it builds again, and at that rate the
# one clean head left on its list (gap_cls_relu-cl02) would start after BUILD_CUT, leaving the
# rule's clean floor (8) to the fourth maker's next clean head. This slot builds that clean head
# first, then reads the backlog and builds the rest of run.sh's list as before. It waits for the
# reading in flight (WAIT_A: its process id). Slot B (run2.sh's) runs on. The rule is unchanged.
#   WAIT_A=PID bash benchmarks/data/outside_s77_h9g/run3.sh BUILD_CUT SCORE_CUT
set -u
BUILD_CUT=$1; SCORE_CUT=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9g77/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
# outside maker, trigger TRIGGERS[(family index + r) mod 4] (sig, warp, noise blend, corner patch):
# gap_cnn / gap_cls_relu r0 r4 noise blend, r2 r6 SIG; gap_relu r0 r4 SIG, r2 noise blend;
# gap_leaky_bn r1 r5 noise blend, r3 SIG. BatchNorm: gap_cnn, gap_cls_relu, gap_leaky_bn.
OUTSIDE="gap_cls_relu-cl02 gap_cls_relu-bd02 gap_cls_relu-cl00 gap_relu-bd00 gap_leaky_bn-cl00 gap_leaky_bn-bd01"
OUTSIDE+=" gap_relu-cl00 gap_cnn-bd00 gap_cnn-cl00 gap_relu-bd02 gap_cls_relu-cl01"
OUTSIDE+=" gap_leaky_bn-bd03 gap_relu-cl01 gap_cls_relu-bd00 gap_leaky_bn-cl01 gap_cnn-bd02"
OUTSIDE+=" gap_cnn-cl01 gap_relu-bd04 gap_cls_relu-bd06 gap_leaky_bn-bd05 gap_cls_relu-cl02"
# fourth maker: res_gap-bd{r} r%4 == 1 lowpass; dws_gap-bd{r} r%4 == 0 lowpass (both BatchNorm)
FOURTH="res_gap-bd01 dws_gap-cl00 dws_gap-bd00 res_gap-cl00 dws_gap-bd04 res_gap-cl01"
FOURTH+=" res_gap-bd05 dws_gap-cl01 dws_gap-bd08 res_gap-cl02 res_gap-bd09 dws_gap-cl02"
ORDER_4=$(echo $FOURTH | tr ' ' ',')
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
        --detect-option=blend=true --detect-option=-p \
        --detect-option=blend_low=true --max 1 >> "$RUN/score$2.log" 2>&1
    [ "$(read_n "$2")" -gt "$before" ] || return 0
  done
}
built() {  # ZOO NAME: already built or dropped (the makers would skip it after starting)
  "$PY" -c "import json,sys; t=json.load(open(sys.argv[1])); sys.exit(0 if sys.argv[2] in {m['name'] for m in t['models'] + t['dropped']} else 1)" "$RUN/$1/truth.json" "$2" 2>/dev/null
}
drain() {  # ZOO S: wait for the gate, then read the backlog
  while [ ! -f "$RUN/GO" ] && [ "$(left "$SCORE_CUT")" -gt 0 ]; do sleep 20; done
  backlog "$1" "$2"
}
date -u +"run3 start %T" >> "$RUN/build9221.log"

( while [ -n "${WAIT_A:-}" ] && kill -0 "$WAIT_A" 2>/dev/null; do sleep 10; done
  for n in $OUTSIDE; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    built zoo-9221 "$n" && continue
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
        "$PY" benchmarks/outside_zoo.py --seed 9221 --out "$RUN/zoo-9221" --per-family 11 \
        --names "$n" --ca-retry --tries 3 >> "$RUN/build9221.log" 2>&1
    backlog zoo-9221 9221
  done
  date -u +"builder stopped %T" >> "$RUN/build9221.log"
  drain zoo-9221 9221 ) &
SLOT_A=$!
wait "$SLOT_A"
date -u +"run3 stopped %T" >> "$RUN/build9221.log"
