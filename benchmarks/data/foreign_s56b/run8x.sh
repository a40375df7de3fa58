#!/bin/bash
# build fresh foreign seed S from F (a `git archive` of stop 56 h9B's plan commit: today's
# default shipped, auto recording MM-BD's per-class ratios), then score every model with today's
# default until the cut (issue 9, stop 56: h9B): bash run8x.sh 85 21:45:00 2
# (the recipe of foreign_s55a/run8x.sh; in /tmp/h9Bs56/run)
S=${1:?seed}; CUT=${2:-21:45:00}; PF=${3:-2}
cd /tmp/h9Bs56/run
PY=/work/main/.venv/bin/python; F=/tmp/h9Bs56/run/F
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
echo "build start $(date -u +%T)"
PYTHONPATH=$F/src nice -n 5 $PY $F/benchmarks/foreign_zoo.py --out zoo-s$S --per-family $PF --seed $S --broad --interleave --rotate
echo "build rc $?"; echo "build end $(date -u +%T)"
left=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
mkdir -p out$S
PYTHONPATH=$F/src:$F/benchmarks timeout $left nice -n 5 $PY $F/benchmarks/foreign_zoo_detect.py zoo-s$S --out out$S/detect$S.jsonl --interleave --rotate
echo "score rc $?"; echo "score end $(date -u +%T)"
