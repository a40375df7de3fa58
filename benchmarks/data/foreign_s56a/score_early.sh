#!/bin/bash
# the build ran slower than planned (load 22-28): at 20:49 UTC, with 18 of 20 models of each seed
# built, run8x.sh's shell was stopped (its build went on) and scoring started on the models
# built; once the build is over, a second pass scores the rest (foreign_zoo_detect.py skips the
# models already in the run file), both under the same cut: bash score_early.sh 83 21:38:00 PID
S=${1:?seed}; CUT=${2:-21:38:00}; BUILD=${3:?build pid}
cd /tmp/h9As56/run
PY=/work/main/.venv/bin/python; F=/tmp/h9As56/run/F
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
mkdir -p out$S
score() {
  left=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
  [ $left -gt 0 ] || return 0
  PYTHONPATH=$F/src:$F/benchmarks timeout $left nice -n 5 $PY $F/benchmarks/foreign_zoo_detect.py zoo-s$S --out out$S/detect$S.jsonl --interleave --rotate
  echo "score rc $? at $(date -u +%T)"
}
echo "early score start $(date -u +%T)"; score
while kill -0 $BUILD 2>/dev/null; do sleep 10; done
echo "build over $(date -u +%T); second pass"; score
echo "score end $(date -u +%T)"
