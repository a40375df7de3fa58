#!/bin/bash
# stop 65 (issue 15, h15; plan.md committed before any model existed): the readings of fresh
# MiniLM addsent-3205 and addsent-3206 (both target 0), split seed 0, span_text_dump.py
# --part both (5:1 windows, 64 at most), each saving every 10 inputs. One shared queue in the
# plan's order; three lanes; a lane takes the next piece whose model is built (its CLI JSON
# written) while fewer than three heavy processes of this task run (the fine-tunes of
# train.sh counted). Every reader cut at CUT_AT (01:20 UTC).
#   [CUT_AT=HH:MM] bash read_queue.sh
cd /work/wt/h15 || exit 1
W=/tmp/h15s65; O=benchmarks/data/text_s65_h15; Q=$W/queue; mkdir -p $Q/claimed $Q/running
CUT=$(date -u -d "${CUT_AT:-01:20}" +%s)
[ "$CUT" -gt "$(date +%s)" ] || CUT=$((CUT + 86400))  # the cut is after midnight
export PYTHON=/work/main/.venv/bin/python WINDOWS=5:1 MAXSPANS=64
left() { echo $((CUT - $(date +%s))); }
built() { [ -s "$O/minilm-addsent-$1.json" ] && [ -d "$W/minilm/addsent-$1" ]; }
fits() { pgrep -f "trojanscope -q (attack|train) .*--seed 320[56]" | wc -l; }
JOBS=("3205 guard --first 125" "3206 guard --first 125" "3205 trig" "3206 trig"
  "3205 guard --start 125" "3206 guard --start 125"
  "3205 neg --first 40" "3206 neg --first 40" "3205 neg --start 40 --first 40"
  "3206 neg --start 40 --first 40" "3205 neg --start 80 --first 40" "3206 neg --start 80 --first 40"
  "3205 neg --start 120 --first 65" "3206 neg --start 120 --first 65"
  "3205 neg --start 185" "3206 neg --start 185")
claim() {  # LANE: under the lock, the next free piece of a built model (its index), if a slot is free
  local i; exec 9> $Q/lock; flock 9
  if [ $(( $(fits) + $(ls $Q/running | wc -l) )) -lt 3 ]; then
    for i in "${!JOBS[@]}"; do
      set -- ${JOBS[$i]}
      built "$1" && mkdir $Q/claimed/$i 2>/dev/null && { touch $Q/running/$2-$i; echo "$i"; break; }
    done
  fi
  flock -u 9; exec 9>&-; }
lane() {  # N: one lane, piece after piece
  local n=$1 i s
  while [ "$(left)" -gt 60 ] && [ "$(ls $Q/claimed | wc -l)" -lt ${#JOBS[@]} ]; do
    i=$(claim); [ -n "$i" ] || { sleep 20; continue; }
    set -- ${JOBS[$i]}; s=$1; shift
    echo "lane $n piece $i: $s $* $(date -u +%H:%M:%S)" >> $O/walls.txt
    JOBS="both $*" timeout --signal=TERM "$(left)" bash benchmarks/span_text_runs.sh $W $O "$s:0:addsent" "0"
    rm -f $Q/running/*-"$i"
  done; }
echo "read_queue start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
lane 1 & lane 2 & lane 3 & wait
echo "read_queue end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
