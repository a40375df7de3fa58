#!/bin/bash
# Issue 9, stop 77 (h9): run2.sh's slots restarted at 07:20:12 UTC (after the rule's commit;
# no reading looked at, only the count of lines in the runs files), with later cuts and both
# lists reordered by what the rule's floors still lack: at 07:02-07:20 (load 15-18) a model and
# its reading took about 7-8 minutes a slot (a reading alone about 3 minutes of wall), so
# run2.sh's order and cut (08:14) would have stopped at about 13 clean GAP heads, 7 GAP
# backdoors and 5 ordinary heads (floors 14 / 10 / 6, not amended). Each slot now builds one
# named model a process: the outside maker by --names, the fourth maker by --skip of every other
# name of its folder's order (its order itself unchanged: the folder refuses another). Targets
# and trigger families stay the makers' own draws. Each slot first waits for run2.sh's process
# in flight (WAIT_A / WAIT_B); a model already built or dropped is skipped by the makers.
#   WAIT_A=PID WAIT_B=PID bash benchmarks/data/outside_s77_h9/run3.sh BUILD_CUT SCORE_CUT
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
# (run3.sh: built before: gap_cnn-cl00, gap_relu-bd00, gap_leaky_bn-cl00, gap_cls_relu-bd00,
# gap_relu-cl00; ln_mlp-cl00 was next; the rest by what the floors lack, cheaper heads first)
OUTSIDE="ln_mlp-cl00 gap_cls_relu-cl00 gap_cls_relu-bd01 ln_mlp-bd00 gap_cnn-cl01"
OUTSIDE+=" gap_leaky_bn-bd00 ln_mlp-cl01 gap_relu-cl01 gap_cnn-bd00 res_gn-cl00 gap_cls_relu-cl01"
OUTSIDE+=" gap_relu-bd01 gap_leaky_bn-cl01 gap_cnn-cl02 gap_leaky_bn-bd01 gap_relu-cl02"
# fourth maker: res_gap / dws_gap (BatchNorm GAP heads; the maker's drawn targets) and the
# ordinary kinds squash_in, wide_leaky
FOURTH="res_gap-cl00 dws_gap-bd00 dws_gap-cl00 res_gap-bd00 squash_in-cl00"
FOURTH+=" res_gap-cl01 dws_gap-cl01 res_gap-bd01 dws_gap-bd01 squash_in-bd00"
FOURTH+=" res_gap-cl02 dws_gap-cl02 res_gap-bd02 wide_leaky-cl00 dws_gap-cl03 res_gap-cl03"
FOURTH+=" dws_gap-bd02 res_gap-bd03 res_gap-cl04 dws_gap-cl04"
ORDER_4=$(echo $FOURTH | tr ' ' ',')
# run3.sh: the fourth maker's build sequence (built before: res_gap-cl00, dws_gap-cl00,
# res_gap-bd00, squash_in-cl00; dws_gap-bd00 dropped; wide_leaky-cl00 not built)
BUILD_4="res_gap-cl01 res_gap-bd01 squash_in-bd00 dws_gap-cl01 dws_gap-bd01 res_gap-cl02"
BUILD_4+=" res_gap-bd02 dws_gap-cl02 dws_gap-bd02 dws_gap-cl03 res_gap-bd03 res_gap-cl03"
BUILD_4+=" res_gap-cl04 dws_gap-cl04"
others() { for m in $FOURTH; do [ "$m" != "$1" ] && printf '%s,' "$m"; done | sed 's/,$//'; }
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
date -u +"run3 start %T" | tee -a "$RUN/build9220.log" >> "$RUN/build9619.log"
( while [ "$(left "$SCORE_CUT")" -gt 0 ]; do
      echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/load.log"; sleep 120
  done ) &
LOADPID=$!
( while [ -n "${WAIT_A:-}" ] && kill -0 "$WAIT_A" 2>/dev/null; do sleep 10; done
  backlog zoo-9220 9220
  for n in $OUTSIDE; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
        "$PY" benchmarks/outside_zoo.py --seed 9220 --out "$RUN/zoo-9220" --per-family 11 \
        --names "$n" --ca-retry --tries 3 >> "$RUN/build9220.log" 2>&1
    backlog zoo-9220 9220
  done
  date -u +"builder stopped %T" >> "$RUN/build9220.log"
  drain zoo-9220 9220 ) &
SLOT_A=$!
( while [ -n "${WAIT_B:-}" ] && kill -0 "$WAIT_B" 2>/dev/null; do sleep 10; done
  backlog zoo-9619 9619
  for n in $BUILD_4; do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    /usr/bin/time -f "%e s wall %U user %S sys" timeout "$(left "$SCORE_CUT")" \
        "$PY" benchmarks/fourth_zoo.py --seed 9619 --out "$RUN/zoo-9619" --per-family 15 \
        --order "$ORDER_4" --skip "$(others "$n")" --tries 3 --max 1 >> "$RUN/build9619.log" 2>&1
    backlog zoo-9619 9619
  done
  date -u +"builder stopped %T" >> "$RUN/build9619.log"
  drain zoo-9619 9619 ) &
SLOT_B=$!
wait "$SLOT_A" "$SLOT_B"
kill "$LOADPID" 2>/dev/null
date -u +"all stopped %T" | tee -a "$RUN/build9220.log" >> "$RUN/build9619.log"
