#!/bin/bash
# lead, stop 56: score the rest of fresh seeds 83/84 (one process per seed, resumes), cut 22:16
cd /tmp/h9As56/run; PY=/work/main/.venv/bin/python; F=/tmp/h9As56/run/F
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
S=$1
left=$(( $(date -u -d "22:16:00" +%s) - $(date -u +%s) ))
PYTHONPATH=$F/src:$F/benchmarks timeout $left nice -n 5 $PY $F/benchmarks/foreign_zoo_detect.py zoo-s$S --out out$S/detect$S.jsonl --interleave --rotate
echo "finish $S rc $? at $(date -u +%T)"
