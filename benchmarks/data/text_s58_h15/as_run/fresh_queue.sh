#!/bin/bash
# stop 58 fresh queue (plan 36cdd1ce): wait for the last development reader, then 3194
cd /work/wth15
while kill -0 20826 2>/dev/null; do sleep 5; done
CUT=$(date -u -d "03:50" +%s)
echo "queue start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> benchmarks/data/text_s58_h15/walls.txt
PYTHON=/work/main/.venv/bin/python JOBS="strip trig guard,span trig guard" WINDOWS=5:1 MAXSPANS=64 timeout --signal=TERM $((CUT - $(date +%s))) bash benchmarks/span_text_runs.sh /tmp/h15s58/fresh benchmarks/data/text_s58_h15 "3194:1" "0"
PYTHON=/work/main/.venv/bin/python JOBS="strip neg --first 120,span neg --first 120" WINDOWS=5:1 MAXSPANS=64 timeout --signal=TERM $((CUT - $(date +%s))) bash benchmarks/span_text_runs.sh /tmp/h15s58/fresh benchmarks/data/text_s58_h15 "3194:1" "0"
echo "queue end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> benchmarks/data/text_s58_h15/walls.txt
