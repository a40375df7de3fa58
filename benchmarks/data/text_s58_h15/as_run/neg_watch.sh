#!/bin/bash
# stop 58: the planned held-out reading (first 120) of each part, started as soon as that
# part's triggered+guard reader ends (instead of after both), cut at 03:50 UTC
cd /work/wth15
PID=$1; PART=$2
while kill -0 $PID 2>/dev/null; do sleep 5; done
CUT=$(date -u -d "03:50" +%s)
PYTHON=/work/main/.venv/bin/python JOBS="$PART neg --first 120" WINDOWS=5:1 MAXSPANS=64 timeout --signal=TERM $((CUT - $(date +%s))) bash benchmarks/span_text_runs.sh /tmp/h15s58/fresh benchmarks/data/text_s58_h15 "3194:1" "0"
