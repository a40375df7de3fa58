#!/bin/bash
# score fresh seed S's models while its build is still running (issue 9, stop 56: h9B): at load
# ~21 a model took 4-6 min to train (stop 55: ~30 s), so run8x.sh's build would end after the
# cut with nothing scored. foreign_zoo.py writes truth.json after each model, and
# foreign_zoo_detect.py skips the models already in its --out: this loop runs the same scoring
# command (F's code, today's default) every 30 s on the models built so far, until the cut;
# run8x.sh's own scoring after the build then finds them done. Nothing about a model or its
# score changes. bash score_loop.sh 85 21:45:00 [FAMILIES] (in /tmp/h9Bs56/run); with FAMILIES
# (comma-separated; foreign_zoo_detect.py --only) two loops per seed score disjoint families
# side by side: from 20:31 one scoring child took ~9 min, and one loop per seed would have read
# about 12 models of 40 by the cut, most of them clean (the order takes every family's clean
# model first). Each loop writes its own --out (outS/detectS<TAG>.jsonl, TAG the 4th argument);
# post8x.sh joins them into outS/detectS.jsonl.
S=${1:?seed}; CUT=${2:-21:45:00}; ONLY=${3:-}; TAG=${4:-}
cd /tmp/h9Bs56/run
PY=/work/main/.venv/bin/python; F=/tmp/h9Bs56/run/F
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
mkdir -p out$S
echo "loop start $(date -u +%T)"
while :; do
  left=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
  [ $left -le 0 ] && break
  [ -f zoo-s$S/truth.json ] && PYTHONPATH=$F/src:$F/benchmarks timeout $left nice -n 5 $PY \
      $F/benchmarks/foreign_zoo_detect.py zoo-s$S --out out$S/detect$S$TAG.jsonl --interleave \
      --rotate ${ONLY:+--only $ONLY}
  sleep 30
done
echo "loop end $(date -u +%T)"
