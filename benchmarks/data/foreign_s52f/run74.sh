#!/bin/bash
# build fresh foreign seed 74 (--new-activations: Softplus, Hardswish, Mish, SELU families) from F
# (a `git archive` of branch h9F at its plan commit; calibration.json there is R13P, today's
# default), then score every model with today's default until the cut (issue 9, stop 52: h9F):
#   bash run74.sh 74 10:10:00 4
S=${1:-74}; CUT=${2:-10:10:00}; PF=${3:-4}
cd /tmp/h9Fs52/run
PY=/work/main/.venv/bin/python; F=/tmp/h9Fs52/run/F
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
echo "build start $(date -u +%T)"
PYTHONPATH=$F/src nice -n 5 $PY $F/benchmarks/foreign_zoo.py --out zoo-s$S --per-family $PF --seed $S --new-activations --interleave
echo "build rc $?"; echo "build end $(date -u +%T)"
left=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
mkdir -p out$S
PYTHONPATH=$F/src:$F/benchmarks timeout $left nice -n 5 $PY $F/benchmarks/foreign_zoo_detect.py zoo-s$S --out out$S/detect$S.jsonl --interleave
echo "score rc $?"; echo "score end $(date -u +%T)"
