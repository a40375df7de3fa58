#!/bin/bash
# stop 59 fresh queue (plan a29c8530, committed 05:53:11 UTC): MiniLM addsent 3195 (target 0), then its two readers
cd /work/wth15
CUT=$(date -u -d "07:25" +%s)
echo "queue start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> benchmarks/data/text_s59_h15/walls.txt
PYTHON=/work/main/.venv/bin/python JOBS="strip trig guard neg,span trig guard neg" WINDOWS=5:1 MAXSPANS=64 timeout --signal=TERM $((CUT - $(date +%s))) bash benchmarks/span_text_runs.sh /tmp/h15s59/fresh benchmarks/data/text_s59_h15 "3195:0" "0"
echo "queue end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> benchmarks/data/text_s59_h15/walls.txt
