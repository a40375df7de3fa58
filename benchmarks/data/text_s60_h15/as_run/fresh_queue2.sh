#!/bin/bash
# stop 60 fresh queue, second form (started 08:52 UTC while 3198's fine-tune ran; the first
# form's lanes were stopped, the fine-tune kept): at load 10-11 a nice-5 process got ~14% of a
# core, and the first form would have started 3198's span reader only after 3199's fine-tune,
# too late to read 3198 by the cut. Now 3198 is read first by both readers side by side, then
# 3199 is fine-tuned (the docs' detect-inputs line on 3198 beside it), then read by both.
# At most two heavy processes, one fine-tune at a time; every reader cut at 10:33 UTC.
cd /work/wth15 || exit 1
W=/tmp/h15s60/fresh; O=benchmarks/data/text_s60_h15
CUT=$(date -u -d "10:33" +%s)
export PYTHON=/work/main/.venv/bin/python WINDOWS=5:1 MAXSPANS=64
run() {  # JOBS RUN: one span_text_runs.sh call, cut at CUT
  local left=$((CUT - $(date +%s))); [ "$left" -gt 0 ] || return
  JOBS=$1 timeout --signal=TERM "$left" bash benchmarks/span_text_runs.sh $W $O "$2" "0"
}
trained() { until [ -s "$O/minilm-$1.json" ] || grep -q "minilm-$1 failed" $O/walls.txt 2>/dev/null; do
  [ "$(date +%s)" -lt "$CUT" ] || return 1; sleep 20; done; }
echo "queue2 start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
( trained addsent-3198 && run "span trig guard neg" "3198:1"
  run none "3199:0:badnl"; run "span trig guard neg" "3199:0:badnl"
  if [ "$(date -u +%H%M)" -lt 1000 ]; then run none "3200:0"; run "span trig guard neg" "3200:0"
  else echo "3200 not started $(date -u +%H:%M:%S)" >> $O/walls.txt; fi ) &
( trained addsent-3198 && run "strip trig guard neg" "3198:1"
  if [ ! -s "$O/minilm-badnl-3199.json" ]; then  # 3199's fine-tune runs: the docs line beside it
    timeout $((CUT - $(date +%s))) bash $O/as_run/docs_command.sh; fi
  trained badnl-3199 && run "strip trig guard neg" "3199:0:badnl"
  trained addsent-3200 && run "strip trig guard neg" "3200:0" ) &
wait
echo "queue2 end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
