#!/bin/bash
# Issue 9, stop 66 (h9): fresh outside seed 9208 and the fourth maker's fresh 9607, built and
# read with three heavy processes at most (one torch thread each, nice 5):
#   slot A: outside_zoo.py --seed 9208 --per-family 3 --names OUTSIDE until BUILD_CUT, then
#           the scorer loop from the last model back;
#   slot B: fourth_zoo.py --seed 9607 --per-family 5 --order FOURTH --stop-at BUILD_CUT, then
#           the scorer loop from the last model back;
#   slot C: the scorer loop in build order from the first model built.
# The plans put more clean than backdoored GAP-head models first (plan.md). The scorer is the
# user's `trojanscope detect MODEL.pt --data clean.npz -p blend=true --format json`
# (outside_zoo_score.py; the stored probability is today's default, the blend readings join the
# report); each loop takes the two zoos in turn, one model each (--max 1). Everything stops at
# SCORE_CUT.
#   bash benchmarks/data/outside_s66_h9/run.sh BUILD_CUT SCORE_CUT
set -u
BUILD_CUT=$1; SCORE_CUT=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s66/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
# seconds to the coming UTC clock time HH:MM:SS (tomorrow's where today's is 12 h past)
left() { local t now; t=$(date -u -d "$1" +%s); now=$(date -u +%s)
         [ "$t" -lt $((now - 43200)) ] && t=$((t + 86400)); echo $((t - now)); }
# four GAP-head families (gap_leaky_bn left out: 1 of its 12 last builds kept), a clean and a
# backdoored model each, then a second clean each, a second backdoored each, a third clean each
OUTSIDE=gap_cnn-cl00,gap_cnn-bd00,gap_cls_relu-cl00,gap_cls_relu-bd00,res_gn-cl00,res_gn-bd00
OUTSIDE+=,gap_relu-cl00,gap_relu-bd00,gap_cnn-cl01,gap_cls_relu-cl01,res_gn-cl01,gap_relu-cl01
OUTSIDE+=,gap_cnn-bd01,gap_cls_relu-bd01,res_gn-bd01,gap_relu-bd01,gap_cnn-cl02,gap_cls_relu-cl02
OUTSIDE+=,res_gn-cl02,gap_relu-cl02,dws_cnn-cl00,ln_mlp-cl00,gap_cnn-bd02,gap_cls_relu-bd02
OUTSIDE+=,res_gn-bd02,gap_relu-bd02
FOURTH=res_gap-cl00,dws_gap-cl00,res_gap-bd00,dws_gap-bd00,res_gap-cl01,dws_gap-cl01
FOURTH+=,squash_in-cl00,squash_in-bd00,res_gap-cl02,dws_gap-cl02,res_gap-bd01,dws_gap-bd01
FOURTH+=,res_gap-cl03,dws_gap-cl03,res_gap-bd02,dws_gap-bd02,res_gap-cl04,dws_gap-cl04
FOURTH+=,res_gap-bd03,dws_gap-bd03
# one model of ZOO not yet in its runs file, then return
score_one() {  # ZOO S [--reverse]
  [ -f "$RUN/$1/truth.json" ] || return 0
  timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/$1" \
      --out "$RUN/detect$2.jsonl" --trojanscope "$TOOL" --detect-option=-p \
      --detect-option=blend=true --max 1 ${3:-} >> "$RUN/score$2${3:+-reverse}.log" 2>&1
}
score_loop() {  # [--reverse]: the two zoos in turn, a model each, until SCORE_CUT
  while [ "$(left "$SCORE_CUT")" -gt 30 ]; do
    score_one zoo-9208 9208 "${1:-}"; score_one zoo-9607 9607 "${1:-}"; sleep 10
  done
}
date -u +"start %T" | tee -a "$RUN/build9208.log" >> "$RUN/build9607.log"
( while [ "$(left "$SCORE_CUT")" -gt 0 ]; do
      echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/load.log"; sleep 120
  done ) &
( timeout "$(left "$BUILD_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo.py --seed 9208 \
      --out "$RUN/zoo-9208" --per-family 3 --names "$OUTSIDE" >> "$RUN/build9208.log" 2>&1
  date -u +"builder stopped %T" >> "$RUN/build9208.log"
  score_loop --reverse ) &
( timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/fourth_zoo.py --seed 9607 \
      --out "$RUN/zoo-9607" --per-family 5 --stop-at "$BUILD_CUT" --order "$FOURTH" \
      >> "$RUN/build9607.log" 2>&1
  date -u +"builder stopped %T" >> "$RUN/build9607.log"
  score_loop --reverse ) &
score_loop
wait
date -u +"all stopped %T" >> "$RUN/build9208.log"
