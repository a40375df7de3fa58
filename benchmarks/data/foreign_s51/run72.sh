#!/bin/bash
# build fresh foreign seed S from the plan's commit (F), then score every model with today's
# default until the cut (issue 9, stop 51: h9a): bash run72.sh 72 04:30:00 2
S=${1:-72}; CUT=${2:-04:30:00}; PF=${3:-2}
cd /tmp/h9as51/run
PY=/work/main/.venv/bin/python; F=/tmp/h9as51/run/F
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "build start $(date -u +%T)"
PYTHONPATH=$F/src nice -n 0 $PY $F/benchmarks/foreign_zoo.py --out zoo-s$S --per-family $PF --seed $S --broad --interleave --rotate
echo "build rc $?"; echo "build end $(date -u +%T)"
left=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
mkdir -p out$S
PYTHONPATH=$F/src:$F/benchmarks timeout $left nice -n 0 $PY $F/benchmarks/foreign_zoo_detect.py zoo-s$S --out out$S/detect$S.jsonl --interleave --rotate
echo "score rc $?"; echo "score end $(date -u +%T)"
