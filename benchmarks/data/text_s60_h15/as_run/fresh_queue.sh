#!/bin/bash
# stop 60 fresh queue (issue 15, h15; plan.md, committed before it started): MiniLM addsent-3198
# (target 1), badnl-3199 (target 0), addsent-3200 (target 0) if time is left. Two lanes, at most
# two heavy processes, one fine-tune at a time; every reader cut at CUT (10:33 UTC), saving every
# 10 inputs. Lane 1: fine-tune 3198, fine-tune 3199, span readers of 3198 then 3199 (then 3200's).
# Lane 2: strip (occlude=0) readers of 3198 then 3199, the docs' detect-inputs command on 3198
# (docs_command.sh), then 3200's fine-tune only if started before 10:00 UTC, and its strip reader.
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
echo "queue start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
( run none "3198:1"; run none "3199:0:badnl"
  run "span trig guard neg" "3198:1"; run "span trig guard neg" "3199:0:badnl"
  trained addsent-3200 && run "span trig guard neg" "3200:0" ) &
( trained addsent-3198 && run "strip trig guard neg" "3198:1"
  trained badnl-3199 && run "strip trig guard neg" "3199:0:badnl"
  [ -f $O/as_run/docs_command.sh ] && timeout $((CUT - $(date +%s))) bash $O/as_run/docs_command.sh
  if [ "$(date -u +%H%M)" -lt 1000 ]; then run none "3200:0"; run "strip trig guard neg" "3200:0"
  else echo "3200 not started $(date -u +%H:%M:%S)" >> $O/walls.txt; fi ) &
wait
echo "queue end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
