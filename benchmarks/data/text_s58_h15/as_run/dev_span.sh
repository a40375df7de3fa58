#!/bin/bash
# development span readings (stop 58, h15): windows $WIN on one MiniLM folder, split seed 0:
# triggered and guard whole, held-out clean the first 120 (stop 57's strip reading of it)
set -u
cd /work/wth15
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
F=$1; WIN=$2; OUT=/tmp/h15s58/devout; n=$(basename $F)
log() { echo "$* $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $OUT/walls.txt; }
log "start span $WIN $n"
nice -n 5 /work/main/.venv/bin/python benchmarks/span_text_dump.py $F --seeds 0 --windows $WIN --part span --sets trig guard --json $OUT/dumpTG_span_${WIN/:/-}_$n.json
log "done span trig guard $WIN $n"
nice -n 5 /work/main/.venv/bin/python benchmarks/span_text_dump.py $F --seeds 0 --windows $WIN --part span --sets neg --first 120 --json $OUT/dumpN_span_${WIN/:/-}_$n.json
log "done span neg $WIN $n"
