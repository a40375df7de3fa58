#!/bin/bash
# Issue 9, stop 77 (h9g): run.sh's two slots restarted (run2.sh, at about 07:20 UTC, before the
# rule's commit and before any fresh model was read) so that each fresh model's one reading also
# records the candidate's probe (`-p blend_low=true`: the same blends at opacity 0.05; off by
# default, read by no term of the shipped file, so today's verdict is unchanged by it). The lists
# are run.sh's; a model already built or dropped is skipped before its maker starts. Each slot
# first waits for run.sh's model in flight (WAIT_A / WAIT_B: its process id).
#   WAIT_A=PID WAIT_B=PID bash benchmarks/data/outside_s77_h9g/run2.sh BUILD_CUT SCORE_CUT
# run.sh's notes follow.
# Issue 9, stop 77 (h9g): build fresh outside seed 9221 and the fourth maker's fresh 9620, weighted
# to whole-image triggers on GAP heads (stop 76's worst family: SIG and noise-blend backdoors every
# calibration file reads 0.032): the outside maker's SIG and noise-blend backdoors on its four GAP
# families, the fourth maker's lowpass backdoors on its two, every target the maker's own draw
# (over all classes: no --targets), and clean heads of the same kinds, interleaved so a cut
# population stays balanced. Stop 76's run.sh shape (two slots, one torch thread a process;
# after each build a slot reads its backlog by today's default), but a slot reads only while the
# gate file $RUN/GO exists, made by hand after the rule's commit (outside_s77_h9g_rule.md). No
# build starts after BUILD_CUT; all stops at SCORE_CUT.
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
OUTSIDE="gap_cls_relu-bd02 gap_cls_relu-cl00 gap_relu-bd00 gap_leaky_bn-cl00 gap_leaky_bn-bd01"
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
date -u +"run2 start %T" | tee -a "$RUN/build9221.log" >> "$RUN/build9620.log"
( while [ "$(left "$SCORE_CUT")" -gt 0 ]; do
      echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/load.log"; sleep 120
  done ) &
LOADPID=$!
( while [ -n "${WAIT_A:-}" ] && kill -0 "$WAIT_A" 2>/dev/null; do sleep 10; done
  backlog zoo-9221 9221
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
( while [ -n "${WAIT_B:-}" ] && kill -0 "$WAIT_B" 2>/dev/null; do sleep 10; done
  backlog zoo-9620 9620
  for n in $FOURTH; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    built zoo-9620 "$n" && continue
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
        "$PY" benchmarks/fourth_zoo.py --seed 9620 --out "$RUN/zoo-9620" --per-family 15 \
        --order "$ORDER_4" --tries 3 --max 1 >> "$RUN/build9620.log" 2>&1
    backlog zoo-9620 9620
  done
  date -u +"builder stopped %T" >> "$RUN/build9620.log"
  drain zoo-9620 9620 ) &
SLOT_B=$!
wait "$SLOT_A" "$SLOT_B"
kill "$LOADPID" 2>/dev/null
date -u +"all stopped %T" | tee -a "$RUN/build9221.log" >> "$RUN/build9620.log"
