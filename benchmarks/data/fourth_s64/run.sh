#!/bin/bash
# Issue 9, stop 64 (h9m): fresh seed 9605 of the fourth maker, GAP-head families first. One
# builder (--stop-at STOP_AT) and one scorer of today's default in build order; when the builder
# exits, second.sh takes the second slot (part 2, then today's from the last model back until
# 21:55, then h9's candidate if named, else today's reverse). Everything stops at CUT. Two heavy processes at any time, one torch thread each,
# nice 5; a load log every 2 minutes; the builder's lines stamped with the UTC time they appeared.
#   bash benchmarks/data/fourth_s64/run.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
export PY=${PY:-/work/main/.venv/bin/python}
export RUN=${RUN:-/tmp/h9ms64/run} S=9605 CUT=${CUT:-22:35:00}
STOP_AT=${STOP_AT:-21:55:00}
D=benchmarks/data/fourth_s64
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
( while [ "$(left "$CUT")" -gt 0 ]; do
      echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/load.log"; sleep 120
  done ) &
touch "$RUN/build$S.log"
( timeout "$(left "$CUT")" tail -n +1 -F "$RUN/build$S.log" 2>/dev/null \
    | while IFS= read -r l; do echo "$(date -u +%T) $l"; done > "$RUN/build$S-stamped.log" ) &
ORDER=res_gap-cl00,dws_gap-bd00,res_gap-bd00,dws_gap-cl00,res_gap-bd01,dws_gap-cl01
ORDER+=,res_gap-cl01,dws_gap-bd01,res_gap-bd02,dws_gap-cl02,res_gap-cl02,dws_gap-bd02
ORDER+=,squash_in-bd00,lrn_softsign-cl00,allconv-bd00,wide_leaky-cl00
ORDER+=,lrn_softsign-bd00,squash_in-cl00,wide_leaky-bd00,allconv-cl00
date -u +"build start %T"
( timeout "$(left "$CUT")" nice -n 5 "$PY" benchmarks/fourth_zoo.py --seed "$S" \
    --out "$RUN/zoo-$S" --per-family 3 --stop-at "$STOP_AT" --order "$ORDER" > "$RUN/build$S.log" 2>&1
  date -u +"builder exited %T" >> "$RUN/build$S.log"
  bash "$D/second.sh" > "$RUN/second.log" 2>&1 ) &
until [ -f "$RUN/zoo-$S/truth.json" ]; do [ "$(left "$CUT")" -gt 0 ] || exit 1; sleep 10; done
timeout "$(left "$CUT")" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
    --out "$RUN/detect$S.jsonl" --follow > "$RUN/score$S.log" 2>&1
wait
date -u +"all stopped %T"
