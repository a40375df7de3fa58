#!/bin/bash
# stop 62 (issue 15, h15; plan.md committed at 15:06:46 UTC in 7ca3a75c before either model
# existed): the fresh MiniLM fine-tunes addsent-3200 (target 0) and addsent-3201 (target 1) at
# once, then their readings (span_text_dump.py --part both, 5:1 windows, split seed 0), at most
# three heavy processes of this task: lane A fine-tunes 3200 then reads its trig+guard sets,
# lane B the same for 3201; lane C waits for the first model and reads held-out clean (neg)
# sets; a lane that frees takes the next unread neg set (3200's first) whose model exists
# (claimed with mkdir). Everything cut at 17:02 UTC (a reader keeps what it read, saved every
# 10 inputs).
cd /work/wth15 || exit 1
W=/tmp/h15s62/fresh; O=benchmarks/data/text_s62_h15; L=/tmp/h15s62/claims
CUT=$(date -u -d "17:02" +%s)
mkdir -p $L
export PYTHON=/work/main/.venv/bin/python WINDOWS=5:1 MAXSPANS=64
left() { echo $((CUT - $(date +%s))); }
run() {  # JOBS RUN: one span_text_runs.sh call, cut at CUT
  [ "$(left)" -gt 0 ] || return 1
  JOBS=$1 timeout --signal=TERM "$(left)" bash benchmarks/span_text_runs.sh $W $O "$2" "0"; }
built() { [ -s "$O/minilm-$1.json" ] && [ -d "$W/minilm/$1" ]; }
negs() {  # read unread neg sets (3200's first) whose model exists, until none is left
  while [ "$(left)" -gt 0 ]; do
    local pending=0
    for r in 3200:0:addsent 3201:1:addsent; do
      IFS=: read -r s t a <<< "$r"; [ -d "$L/neg-$s" ] && continue
      grep -q "minilm-$a-$s failed" $O/walls.txt 2>/dev/null && continue
      pending=1; built "$a-$s" && mkdir "$L/neg-$s" 2>/dev/null && { run "both neg" "$r"; continue 2; }
    done
    [ "$pending" = 1 ] || return 0; sleep 20
  done; }
echo "queue start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
( run none "3200:0:addsent" && built addsent-3200 && run "both trig guard" "3200:0:addsent"; negs ) &
( run none "3201:1:addsent" && built addsent-3201 && run "both trig guard" "3201:1:addsent"; negs ) &
( negs ) &
wait
echo "queue end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
