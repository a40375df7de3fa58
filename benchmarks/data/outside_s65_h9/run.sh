#!/bin/bash
# Issue 9, stop 65 (h9): fresh outside seed 9207 and the fourth maker's fresh 9606, built and
# read with three heavy processes at most (one torch thread each, nice 5):
#   slot A: outside_zoo.py --seed 9207 --per-family 2 (GAP-head families first) until BUILD_CUT,
#           then the scorer loop from the last model back;
#   slot B: fourth_zoo.py --seed 9606 (stop 64's 20-name order) --stop-at BUILD_CUT, then the
#           scorer loop from the last model back;
#   slot C: the scorer loop in build order from the first model built.
# The scorer is the user's `trojanscope detect MODEL.pt --data clean.npz -p blend=true --format
# json` (outside_zoo_score.py; the stored probability is today's default: the shipped file has
# no named-check term, the blend readings join the report). Everything stops at SCORE_CUT.
#   bash benchmarks/data/outside_s65_h9/run.sh BUILD_CUT SCORE_CUT
set -u
BUILD_CUT=$1; SCORE_CUT=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s65/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
# seconds to the coming UTC clock time HH:MM:SS (tomorrow's where today's is 12 h past)
left() { local t now; t=$(date -u -d "$1" +%s); now=$(date -u +%s)
         [ "$t" -lt $((now - 43200)) ] && t=$((t + 86400)); echo $((t - now)); }
OUTSIDE=gap_cnn,gap_cls_relu,gap_relu,res_gn,gap_leaky_bn,dws_cnn,ln_mlp
FOURTH=res_gap-cl00,dws_gap-bd00,res_gap-bd00,dws_gap-cl00,res_gap-bd01,dws_gap-cl01
FOURTH+=,res_gap-cl01,dws_gap-bd01,res_gap-bd02,dws_gap-cl02,res_gap-cl02,dws_gap-bd02
FOURTH+=,squash_in-bd00,lrn_softsign-cl00,allconv-bd00,wide_leaky-cl00
FOURTH+=,lrn_softsign-bd00,squash_in-cl00,wide_leaky-bd00,allconv-cl00
# one pass over every model built so far in ZOO not yet in its runs file, then return
score_pass() {  # ZOO S [--reverse]
  [ -f "$RUN/$1/truth.json" ] || return 0
  timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/$1" \
      --out "$RUN/detect$2.jsonl" --trojanscope "$TOOL" --detect-option=-p \
      --detect-option=blend=true ${3:-} >> "$RUN/score$2${3:+-reverse}.log" 2>&1
}
score_loop() {  # [--reverse]: both zoos in turn until SCORE_CUT
  while [ "$(left "$SCORE_CUT")" -gt 30 ]; do
    score_pass zoo-9207 9207 "${1:-}"; score_pass zoo-9606 9606 "${1:-}"; sleep 20
  done
}
date -u +"start %T" | tee -a "$RUN/build9207.log" >> "$RUN/build9606.log"
( while [ "$(left "$SCORE_CUT")" -gt 0 ]; do
      echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/load.log"; sleep 120
  done ) &
( timeout "$(left "$BUILD_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo.py --seed 9207 \
      --out "$RUN/zoo-9207" --per-family 2 --order "$OUTSIDE" >> "$RUN/build9207.log" 2>&1
  date -u +"builder stopped %T" >> "$RUN/build9207.log"
  score_loop --reverse ) &
( timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/fourth_zoo.py --seed 9606 \
      --out "$RUN/zoo-9606" --per-family 3 --stop-at "$BUILD_CUT" --order "$FOURTH" \
      >> "$RUN/build9606.log" 2>&1
  date -u +"builder stopped %T" >> "$RUN/build9606.log"
  score_loop --reverse ) &
score_loop
wait
date -u +"all stopped %T" >> "$RUN/build9207.log"
