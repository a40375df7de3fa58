#!/bin/bash
# Issue 9, stop 77 (h9): build fresh outside seed 9220 and the fourth maker's fresh 9619 as the
# brief's ordinary mix (not built towards the blend-sink term's sink classes): clean GAP heads
# of every kind, GAP backdoors with the makers' own drawn targets (uniform over the ten classes:
# no --targets) and the makers' own trigger family per model (the Latin square over rounds), and
# ordinary (non-GAP) heads beside them, interleaved so a cut population stays balanced. Stop
# 76's run.sh shape (two slots, one torch thread a process, one model a process; after each
# build a slot reads its whole backlog). A slot reads only while the gate file $RUN/GO exists,
# made by hand after the rule's commit (outside_s77_h9_rule.md). No build starts after
# BUILD_CUT; all stops at SCORE_CUT.
#   bash benchmarks/data/outside_s77_h9/run.sh BUILD_CUT SCORE_CUT
set -u
BUILD_CUT=$1; SCORE_CUT=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h977/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
# outside maker, rounds 0-2 of the four GAP kinds (trigger (family index + r) mod 4 of sig, warp,
# noise blend, corner patch) and one model a round of the ordinary kinds res_gn, dws_cnn, ln_mlp
OUTSIDE="gap_cnn-cl00 gap_relu-bd00 gap_leaky_bn-cl00 gap_cls_relu-bd00 res_gn-cl00"
OUTSIDE+=" gap_relu-cl00 gap_cnn-bd00 gap_cls_relu-cl00 gap_leaky_bn-bd00 dws_cnn-bd00"
OUTSIDE+=" gap_cnn-cl01 gap_relu-bd01 gap_leaky_bn-cl01 gap_cls_relu-bd01 ln_mlp-cl00"
OUTSIDE+=" gap_relu-cl01 gap_cnn-bd01 gap_cls_relu-cl01 gap_leaky_bn-bd01 res_gn-bd00"
OUTSIDE+=" gap_cnn-cl02 gap_relu-cl02 gap_leaky_bn-cl02 gap_cls_relu-cl02 dws_cnn-cl00"
OUTSIDE+=" gap_relu-bd02 gap_cnn-bd02 gap_cls_relu-bd02 gap_leaky_bn-bd02"
# fourth maker: res_gap / dws_gap (BatchNorm GAP heads; the maker's drawn targets) and the
# ordinary kinds squash_in, wide_leaky
FOURTH="res_gap-cl00 dws_gap-bd00 dws_gap-cl00 res_gap-bd00 squash_in-cl00"
FOURTH+=" res_gap-cl01 dws_gap-cl01 res_gap-bd01 dws_gap-bd01 squash_in-bd00"
FOURTH+=" res_gap-cl02 dws_gap-cl02 res_gap-bd02 wide_leaky-cl00 dws_gap-cl03 res_gap-cl03"
FOURTH+=" dws_gap-bd02 res_gap-bd03 res_gap-cl04 dws_gap-cl04"
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
        --detect-option=blend=true --max 1 >> "$RUN/score$2.log" 2>&1
    [ "$(read_n "$2")" -gt "$before" ] || return 0
  done
}
drain() {  # ZOO S: wait for the gate, then read the backlog
  while [ ! -f "$RUN/GO" ] && [ "$(left "$SCORE_CUT")" -gt 0 ]; do sleep 20; done
  backlog "$1" "$2"
}
date -u +"start %T" | tee -a "$RUN/build9220.log" >> "$RUN/build9619.log"
( while [ "$(left "$SCORE_CUT")" -gt 0 ]; do
      echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/load.log"; sleep 120
  done ) &
LOADPID=$!
( for n in $OUTSIDE; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
        "$PY" benchmarks/outside_zoo.py --seed 9220 --out "$RUN/zoo-9220" --per-family 11 \
        --names "$n" --ca-retry --tries 3 >> "$RUN/build9220.log" 2>&1
    backlog zoo-9220 9220
  done
  date -u +"builder stopped %T" >> "$RUN/build9220.log"
  drain zoo-9220 9220 ) &
SLOT_A=$!
( for _ in $FOURTH; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
        "$PY" benchmarks/fourth_zoo.py --seed 9619 --out "$RUN/zoo-9619" --per-family 15 \
        --order "$ORDER_4" --tries 3 --max 1 >> "$RUN/build9619.log" 2>&1
    backlog zoo-9619 9619
  done
  date -u +"builder stopped %T" >> "$RUN/build9619.log"
  drain zoo-9619 9619 ) &
SLOT_B=$!
wait "$SLOT_A" "$SLOT_B"
kill "$LOADPID" 2>/dev/null
date -u +"all stopped %T" | tee -a "$RUN/build9220.log" >> "$RUN/build9619.log"
