#!/bin/bash
# build fresh foreign seed 82 from F (a `git archive` of stop 55 h9B's plan commit; today's
# default shipped), then score every model with today's default until the cut (issue 9, stop 55:
# h9B): bash run82.sh 82 18:10:00 4 — the recipe of foreign_s54c/run79.sh
S=${1:-82}; CUT=${2:-18:10:00}; PF=${3:-4}
cd /tmp/h9Bs55/run
PY=/work/main/.venv/bin/python; F=/tmp/h9Bs55/run/F
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
echo "build start $(date -u +%T)"
PYTHONPATH=$F/src nice -n 5 $PY $F/benchmarks/foreign_zoo.py --out zoo-s$S --per-family $PF --seed $S --broad --interleave --rotate
echo "build rc $?"; echo "build end $(date -u +%T)"
left=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
mkdir -p out$S
PYTHONPATH=$F/src:$F/benchmarks timeout $left nice -n 5 $PY $F/benchmarks/foreign_zoo_detect.py zoo-s$S --out out$S/detect$S.jsonl --interleave --rotate
echo "score rc $?"; echo "score end $(date -u +%T)"
